package drainmethod

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// The drain's last refusal reaches the node once per change, is cleared when the drain ends
// well (including one an interrupted drain left), and is bounded in size.
func TestErrorRecorderWritesChangesOnly(t *testing.T) {
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Annotations: map[string]string{
		maintenance.AnnotationLastError: "left by an interrupted drain", maintenance.AnnotationLastErrorTime: "2026-11-25T11:00:00Z", "keep": "me"}}}
	kube := fake.NewClientset(node)
	patches := 0
	kube.PrependReactor("patch", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		patches++
		return false, nil, nil
	})
	r := newErrorRecorder(maintenance.Clients{Kube: kube}, "n1")
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return at }
	annotations := func() map[string]string {
		n, err := kube.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n.Annotations
	}

	r.set("refused: VMI rwo is not live-migratable")
	r.flush(ctx)
	r.flush(ctx) // unchanged: no second write
	if a := annotations(); a[maintenance.AnnotationLastError] != "refused: VMI rwo is not live-migratable" || a[maintenance.AnnotationLastErrorTime] != "2026-11-25T12:00:00Z" || a["keep"] != "me" {
		t.Fatalf("after a refusal: %v", a)
	}
	if patches != 1 {
		t.Fatalf("%d patches for one change, want 1", patches)
	}

	r.set(strings.Repeat("x", 5000))
	r.flush(ctx)
	if got := len(annotations()[maintenance.AnnotationLastError]); got != maxRecordedError {
		t.Fatalf("recorded %d bytes, want %d", got, maxRecordedError)
	}

	r.set("")
	r.flush(ctx)
	a := annotations()
	if _, ok := a[maintenance.AnnotationLastError]; ok || a[maintenance.AnnotationLastErrorTime] != "" || a["keep"] != "me" {
		t.Fatalf("after the drain succeeded: %v", a)
	}

	// A new drain that never met a refusal still clears what an interrupted one left.
	if _, err := kube.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := newErrorRecorder(maintenance.Clients{Kube: kube}, "n1")
	fresh.set("")
	fresh.flush(ctx)
	if _, ok := annotations()[maintenance.AnnotationLastError]; ok {
		t.Fatalf("a stale record survived a successful drain: %v", annotations())
	}
}

// The first refusal reaches the node at once, not after an interval, so describe from another
// terminal shows it while the drain retries; finish clears it before the success is reported.
func TestErrorRecorderWritesTheFirstRefusalAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kube := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}})
	r := newErrorRecorder(maintenance.Clients{Kube: kube}, "n1")
	done := make(chan struct{})
	go func() { defer close(done); r.run(ctx, time.Hour) }()
	recorded := func() string {
		n, err := kube.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n.Annotations[maintenance.AnnotationLastError]
	}
	r.set("refused")
	deadline := time.Now().Add(5 * time.Second)
	for recorded() != "refused" {
		if time.Now().After(deadline) {
			t.Fatal("the first refusal was not written within 5s (the interval is an hour)")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.finish(ctx, "")
	if got := recorded(); got != "" {
		t.Fatalf("after finish: %q recorded", got)
	}
	cancel()
	<-done
}

// list and describe read the record back: the refusal and its time while pods are left, nothing
// once the node is drained (an interrupted drain's record no longer applies), and no entry at
// all for a node oc-cnv did not drain.
func TestDrainedByReadsTheRecord(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1",
		Labels: map[string]string{maintenance.LabelMaintenance: string(maintenance.MethodDrain)},
		Annotations: map[string]string{
			maintenance.AnnotationReason: "DIMM", maintenance.AnnotationStarted: "2026-11-25T12:00:00Z",
			maintenance.AnnotationLastError: "refused", maintenance.AnnotationLastErrorTime: "2026-11-25T12:01:30Z",
		}}}
	info, ok := maintenance.DrainedBy(n)
	if !ok {
		t.Fatal("a node labelled by --method=drain is not recognised")
	}
	blocked := maintenance.AsMaintenance(n, info, 1)
	if blocked.Phase != maintenance.PhaseRunning || blocked.LastError != "refused" || !blocked.LastUpdate.Equal(time.Date(2026, 11, 25, 12, 1, 30, 0, time.UTC)) ||
		blocked.Reason != "DIMM" || !blocked.CreationTimestamp.Equal(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("with a pod left: %+v", blocked)
	}
	drained := maintenance.AsMaintenance(n, info, 0)
	if drained.Phase != maintenance.PhaseSucceeded || drained.DrainProgress != 100 || drained.LastError != "" || !drained.LastUpdate.IsZero() {
		t.Fatalf("drained: %+v", drained)
	}
	delete(n.Labels, maintenance.LabelMaintenance)
	if _, ok := maintenance.DrainedBy(n); ok {
		t.Fatal("a node without the label is taken for one oc-cnv drained")
	}
}
