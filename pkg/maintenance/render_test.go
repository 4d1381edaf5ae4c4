package maintenance

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestRenderList(t *testing.T) {
	entries := []ListEntry{
		{NodeMaintenance: NodeMaintenance{Name: "node-1-maintenance", NodeName: "node-1", Phase: "Running", DrainProgress: 50,
			DrainKnown: true, PodCountsKnown: true, EvictionPods: 4, PendingPods: []string{"default/virt-launcher-rwo-x", "default/web"}, Reason: "DIMM", CreationTimestamp: t0,
			LastError: "Cannot evict pod as it would violate the pod's disruption budget.\nmore"}, Method: MethodOperator,
			VMs: []string{"default/rwo", "default/vm-a"}},
		{NodeMaintenance: NodeMaintenance{NodeName: "node-2", Phase: "Succeeded", DrainProgress: 100, DrainKnown: true, CreationTimestamp: t0.Add(-2 * time.Hour)}, Method: MethodDrain},
	}
	var b bytes.Buffer
	if err := RenderList(&b, entries, false, true, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := `NAME                 NODE     PHASE       DRAIN   PODS   REASON   AGE
node-1-maintenance   node-1   Running     50%     2/4    DIMM     90s
<drain>              node-2   Succeeded   100%    -      <none>   121m
`
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := RenderList(&b, entries[:1], true, true, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	want = `NAME                 NODE     PHASE     DRAIN   PODS   REASON   AGE   LAST ERROR                                                          VMS
node-1-maintenance   node-1   Running   50%     2/4    DIMM     90s   Cannot evict pod as it would violate the pod's disruption budget.   default/rwo,default/vm-a
`
	if b.String() != want {
		t.Fatalf("wide table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	_ = RenderList(&b, nil, false, true, t0)
	if b.String() != "No nodes are in maintenance.\n" {
		t.Fatalf("empty list: %q", b.String())
	}
}

func TestChangeLinesAndBlock(t *testing.T) {
	start := Snapshot{Node: "node-1", Phase: "Running", DrainKnown: true, PodCountsKnown: true, EvictionPods: 2, PendingPods: []string{"a", "b"}, Started: t0,
		VMs: []VMProgress{{Namespace: "default", Name: "vm-a", State: VMWaiting, Source: "node-1"}}}
	lines := ChangeLines(Snapshot{}, false, start)
	want := []string{"node-1: Running, drain 0%, 0/2 pods evicted", "node-1: VM default/vm-a Waiting"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("first lines:\n%s", strings.Join(lines, "\n"))
	}
	next := start
	next.DrainProgress = 50
	next.PendingPods = []string{"b"}
	next.VMs = []VMProgress{{Namespace: "default", Name: "vm-a", State: VMMigrated, Source: "node-1", Target: "node-2",
		Started: t0.Add(time.Second), Finished: t0.Add(5 * time.Second)}}
	lines = ChangeLines(start, true, next)
	want = []string{"node-1: Running, drain 50%, 1/2 pods evicted", "node-1: VM default/vm-a Migrated node-1 → node-2 in 4s"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("change lines:\n%s", strings.Join(lines, "\n"))
	}
	if lines := ChangeLines(next, true, next); len(lines) != 0 {
		t.Fatalf("no change must print nothing, got %q", lines)
	}

	var b bytes.Buffer
	running := next
	running.VMs = append(running.VMs, VMProgress{Namespace: "default", Name: "vm-b", State: VMMigrating, MigrationPhase: "Running",
		Source: "node-1", Target: "node-3", Started: t0.Add(10 * time.Second)})
	RenderBlock(&b, running, t0.Add(72*time.Second))
	wantBlock := `node-1  Running  drain 50%  pods 1/2  1m12s
  default/vm-a  Migrated             node-1 → node-2  4s
  default/vm-b  Migrating (Running)  node-1 → node-3  1m02s
`
	if b.String() != wantBlock {
		t.Fatalf("block:\n%s\nwant:\n%s", b.String(), wantBlock)
	}
}

func TestRenderDescription(t *testing.T) {
	d := &Description{
		API:    "nodemaintenances.nodemaintenance.medik8s.io/v1beta1",
		Method: MethodOperator,
		Maintenance: NodeMaintenance{Name: "node-1-maintenance", NodeName: "node-1", Reason: "DIMM", CreationTimestamp: t0,
			Phase: "Running", DrainProgress: 50, DrainKnown: true, PodCountsKnown: true, EvictionPods: 2, TotalPods: 3, PendingPods: []string{"default/virt-launcher-rwo-abcde"},
			LastError: "error when evicting pods/\"virt-launcher-rwo-abcde\" -n \"default\": too many requests", LastUpdate: t0.Add(time.Minute)},
		Node: &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
			Spec: corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{
				{Key: TaintDrain, Effect: corev1.TaintEffectNoSchedule},
				{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule},
			}},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
		},
		VMIs: []DescribedVMI{
			{Impact: Classify(testVMI("rwo", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionFalse, "DisksNotLiveMigratable", "x"), nil)},
			{Impact: Classify(testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil),
				MigrationState: &kvv1.VirtualMachineInstanceMigrationState{TargetNode: "node-2"}},
		},
		Migrations: []DescribedMigration{{Namespace: "default", Name: "evacuation-x", VMI: "vm-a", Phase: "Running", Target: "node-2", Created: metav1.NewTime(t0.Add(time.Minute))}},
		Events: []corev1.Event{{Type: "Normal", Reason: "BeginMaintenance", Message: "Begin a node maintenance",
			InvolvedObject: corev1.ObjectReference{Kind: "NodeMaintenance", Name: "node-1-maintenance"}, LastTimestamp: metav1.NewTime(t0)}},
	}
	var b bytes.Buffer
	if err := RenderDescription(&b, d, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := `Name:     node-1-maintenance
API:      nodemaintenances.nodemaintenance.medik8s.io/v1beta1
Node:     node-1
Reason:   DIMM
Started:  2026-11-25T12:00:00Z (2m ago)
Status:
  Phase:           Running
  Drain Progress:  50%
  Pods Evicted:    1 of 2 (3 on the node at start)
  Pending Pods:    default/virt-launcher-rwo-abcde
  Last Error:      error when evicting pods/"virt-launcher-rwo-abcde" -n "default": too many requests
  Last Update:     2026-11-25T12:01:00Z
Node Status:
  Unschedulable:  true
  Taints:         medik8s.io/drain:NoSchedule
                  node.kubernetes.io/unschedulable:NoSchedule
  Conditions:     Ready=True
VMs on the node:
  NAME          PHASE    STRATEGY     MIGRATABLE                      MIGRATION  DRAIN OUTCOME
  default/rwo   Running  LiveMigrate  False (DisksNotLiveMigratable)  <none>     blocks the drain
  default/vm-a  Running  LiveMigrate  True                            to node-2  live-migrate
Migrations in flight:
  NAME                  VMI   PHASE    TARGET  AGE
  default/evacuation-x  vm-a  Running  node-2  60s
Events:
  TYPE    REASON            AGE  OBJECT                              MESSAGE
  Normal  BeginMaintenance  2m   NodeMaintenance/node-1-maintenance  Begin a node maintenance
`
	if b.String() != want {
		t.Fatalf("describe:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestLiveRedrawFitsTheTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &ProgressPrinter{Out: &b, Live: true, Width: 30, Now: func() time.Time { return t0.Add(3 * time.Second) }}
	s := Snapshot{Node: "node-1", Phase: "Running", DrainKnown: true, PodCountsKnown: true, Started: t0, VMs: []VMProgress{
		{Namespace: "default", Name: "a-very-long-virtual-machine-name", State: VMWaiting, Source: "node-1"}}}
	p.Update(s)
	p.Update(s)
	want := "\r\x1b[2Knode-1  Running  drain 0%  p…\n" +
		"\r\x1b[2K  default/a-very-long-virtua…\n" +
		"\x1b[2A" +
		"\r\x1b[2Knode-1  Running  drain 0%  p…\n" +
		"\r\x1b[2K  default/a-very-long-virtua…\n"
	if b.String() != want {
		t.Fatalf("live output %q\nwant %q", b.String(), want)
	}
}

// A node oc-cnv drained itself has no NodeMaintenance: no name, no API, no eviction counts; the
// pods still on it that a drain evicts are listed, with the last refusal the drain recorded.
func TestRenderDescriptionOfDrainMethod(t *testing.T) {
	refusal := `error when evicting pods/"virt-launcher-rwo-abcde" -n "default" (will retry after 5s): admission webhook "virt-launcher-eviction-interceptor.kubevirt.io" denied the request: VMI rwo is configured with an eviction strategy but is not live-migratable`
	for _, tc := range []struct {
		name, lastError string
		at              time.Time
		want            string
	}{
		{"nothing recorded", "", time.Time{}, "  Last Error:      <none>\n"},
		{"a refusal recorded", refusal + "\nsecond line", t0.Add(90 * time.Second),
			"  Last Error:      " + refusal + "\n  Last Update:     2026-11-25T12:01:30Z\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Description{
				Method: MethodDrain,
				Maintenance: NodeMaintenance{NodeName: "node-1", Reason: "DIMM", CreationTimestamp: t0, Phase: "Running", DrainProgress: 0,
					PendingPods: []string{"default/virt-launcher-rwo-abcde", "default/web-1"}, LastError: tc.lastError, LastUpdate: tc.at},
			}
			var b bytes.Buffer
			if err := RenderDescription(&b, d, t0.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			want := `Name:     <none> (drained by oc-cnv --method=drain)
Node:     node-1
Reason:   DIMM
Started:  2026-11-25T12:00:00Z (2m ago)
Status:
  Phase:           Running
  Drain Progress:  <unknown>
  Pending Pods:    default/virt-launcher-rwo-abcde
                   default/web-1
` + tc.want
			if got := b.String(); !strings.HasPrefix(got, want) || strings.Contains(got, "Pods Evicted") {
				t.Fatalf("describe:\n%s\nwant it to start with:\n%s", got, want)
			}
		})
	}
}
