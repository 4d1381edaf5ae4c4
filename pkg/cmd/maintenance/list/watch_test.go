package list

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvfake "kubevirt.io/client-go/kubevirt/fake"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/drainmethod"
)

func rowsOf(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return out
}

func TestRowTrackerPrintsOnlyChangedRows(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	now := start.Add(5 * time.Second)
	var out bytes.Buffer
	tr := newRowTracker(&rowPrinter{out: &out}, false, func() time.Time { return now })
	nm := maintenance.ListEntry{Method: maintenance.MethodOperator, NodeMaintenance: maintenance.NodeMaintenance{
		Name: "n1-maintenance", NodeName: "n1", Reason: "dimm", CreationTimestamp: start, Phase: maintenance.PhaseRunning}}
	drained := maintenance.ListEntry{Method: maintenance.MethodDrain, NodeMaintenance: maintenance.NodeMaintenance{
		NodeName: "n1", Reason: "psu", CreationTimestamp: start, Phase: maintenance.PhaseSucceeded, DrainProgress: 100, DrainKnown: true}}

	steps := []func() error{
		func() error { return tr.show(nm) },
		// Same row, older: only AGE differs, as after a heartbeat or a relist.
		func() error { now = now.Add(time.Minute); return tr.show(nm) },
		// A drain row of the same node is another maintenance.
		func() error { return tr.show(drained) },
		func() error { return tr.show(drained) },
		func() error {
			nm.Phase = maintenance.PhaseSucceeded
			nm.DrainProgress, nm.DrainKnown = 100, true
			return tr.show(nm)
		},
		// The node left maintenance: its label and annotations are gone, the row repeats the last.
		func() error {
			return tr.showDeleted(maintenance.ListEntry{Method: maintenance.MethodDrain, NodeMaintenance: maintenance.NodeMaintenance{NodeName: "n1"}})
		},
		// Nothing was shown for n2: nothing to take back.
		func() error {
			return tr.showDeleted(maintenance.ListEntry{Method: maintenance.MethodDrain, NodeMaintenance: maintenance.NodeMaintenance{NodeName: "n2"}})
		},
		// Back in maintenance after the Deleted row: shown again.
		func() error { return tr.show(drained) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{
		"n1-maintenance n1 Running - - dimm 5s",
		"<drain> n1 Succeeded 100% - psu 65s",
		"n1-maintenance n1 Succeeded 100% - dimm 65s",
		"<drain> n1 Deleted 100% - psu 65s",
		"<drain> n1 Succeeded 100% - psu 65s",
	}
	if got := rowsOf(out.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Without a NodeMaintenance API, --watch follows the --method=drain nodes: one row when a node
// is marked, none for a heartbeat, a Deleted row when it is unmarked.
func TestWatchFollowsDrainNodesWithoutAPI(t *testing.T) {
	kube := kubefake.NewSimpleClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}})
	c := maintenance.Clients{Kube: kube, KubeVirt: kvfake.NewSimpleClientset()}
	out, errOut := &syncBuffer{}, &syncBuffer{}
	o := &Options{NoHeaders: true, streams: genericiooptions.IOStreams{Out: out, ErrOut: errOut}, now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.watch(ctx, c, nil, nil, false) }()
	waitFor(t, "the node watch", func() bool {
		for _, a := range kube.Actions() {
			if a.GetVerb() == "watch" && a.GetResource().Resource == "nodes" {
				return true
			}
		}
		return false
	})

	if err := drainmethod.MarkNode(ctx, c, "n1", "psu", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the node's row", func() bool { return strings.Contains(out.String(), "Succeeded") })
	n, err := kube.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := kube.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := drainmethod.UnmarkNode(ctx, c, "n1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Deleted row", func() bool { return strings.Contains(out.String(), "Deleted") })
	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatalf("watch ended by cancel returned %v (exit %d), want exit 130", err, cmdutil.ExitCode(err))
	}
	got := rowsOf(out.String())
	for i := range got {
		got[i] = strings.Join(strings.Fields(got[i])[:6], " ")
	}
	want := []string{"<drain> n1 Succeeded 100% - psu", "<drain> n1 Deleted 100% - psu"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || errOut.String() != "" {
		t.Errorf("rows:\n%s\nwant:\n%s\nstderr: %s", strings.Join(got, "\n"), strings.Join(want, "\n"), errOut.String())
	}
}
