package maintenance

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

func queueTestMigration(name, vmi string, phase kvv1.VirtualMachineInstanceMigrationPhase, prio kvv1.MigrationPriority, created time.Time) *kvv1.VirtualMachineInstanceMigration {
	m := &kvv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: metav1.NewTime(created),
			Annotations: map[string]string{kvv1.EvacuationMigrationAnnotation: "node-1"}},
		Spec:   kvv1.VirtualMachineInstanceMigrationSpec{VMIName: vmi},
		Status: kvv1.VirtualMachineInstanceMigrationStatus{Phase: phase},
	}
	if prio != "" {
		m.Spec.Priority = &prio
	}
	return m
}

// queueFollowState is a follower's state with the node's VMIs vm-a..vm-d on node-1.
func queueFollowState(migs ...*kvv1.VirtualMachineInstanceMigration) *followState {
	st := &followState{f: &Follower{Node: "node-1", Now: func() time.Time { return t0 }}, vmis: map[string]*trackedVMI{},
		migs: map[string]*kvv1.VirtualMachineInstanceMigration{}, started: t0}
	for _, n := range []string{"vm-a", "vm-b", "vm-c", "vm-d"} {
		st.setVMI(testVMI(n, strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), true)
	}
	for _, m := range migs {
		st.migs[m.Namespace+"/"+m.Name] = m
	}
	return st
}

// KubeVirt v1.9 creates every evacuation migration at once and queues those over the limits in
// Pending: progress shows each one's place in the queue, in the order KubeVirt starts them
// (priority, then age), and a VM moving up the queue prints no new line.
func TestProgressShowsQueuedMigrations(t *testing.T) {
	crit := kvv1.PrioritySystemCritical
	st := queueFollowState(
		queueTestMigration("m-a", "vm-a", kvv1.MigrationRunning, crit, t0),
		queueTestMigration("m-b", "vm-b", kvv1.MigrationPending, crit, t0.Add(2*time.Second)),
		queueTestMigration("m-c", "vm-c", kvv1.MigrationPending, crit, t0.Add(time.Second)),
		// Oldest, but no priority (a user's migration): after the evacuations.
		queueTestMigration("m-d", "vm-d", kvv1.MigrationPending, "", t0.Add(-time.Second)),
	)
	first := st.snapshot(false)
	var b bytes.Buffer
	RenderBlock(&b, first, t0.Add(10*time.Second))
	want := `node-1  Pending  drain -  pods -  10s
  default/vm-a  Migrating (Running)  node-1  10s
  default/vm-b  Queued (2 of 3)      node-1  8s
  default/vm-c  Queued (1 of 3)      node-1  9s
  default/vm-d  Queued (3 of 3)      node-1  11s
`
	if b.String() != want {
		t.Errorf("block:\n%s\nwant:\n%s", b.String(), want)
	}
	lines := ChangeLines(Snapshot{}, false, first)
	wantLines := []string{
		"node-1: Pending, drain -",
		"node-1: VM default/vm-a Migrating (Running)",
		"node-1: VM default/vm-b Queued (2 of 3)",
		"node-1: VM default/vm-c Queued (1 of 3)",
		"node-1: VM default/vm-d Queued (3 of 3)",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("first lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}

	// vm-c's turn: the others move up, which is no news.
	st.migs["default/m-c"] = queueTestMigration("m-c", "vm-c", kvv1.MigrationScheduling, crit, t0.Add(time.Second))
	next := st.snapshot(false)
	if v := vmState(next, "default/vm-d"); stateText(v) != "Queued (2 of 2)" {
		t.Errorf("vm-d after vm-c started: %q", stateText(v))
	}
	lines = ChangeLines(first, true, next)
	if want := "node-1: VM default/vm-c Migrating (Scheduling)"; strings.Join(lines, "\n") != want {
		t.Errorf("lines after vm-c started:\n%s\nwant:\n%s", strings.Join(lines, "\n"), want)
	}

	// An error that ends the wait names each VM's place.
	err := (&TimeoutError{Snapshot: next, Timeout: time.Minute}).Error()
	for _, want := range []string{"\n  VM default/vm-b: migration queued (1 of 2)", "\n  VM default/vm-c: Migrating (migration Scheduling)"} {
		if !strings.Contains(err, want) {
			t.Errorf("timeout error lacks %q:\n%s", want, err)
		}
	}
}

// Up to KubeVirt v1.8 migrations are created as slots free up: the VMs without one wait, and
// one just created is first in a queue of one.
func TestProgressWithMigrationsCreatedAsSlotsFree(t *testing.T) {
	st := queueFollowState(
		queueTestMigration("m-a", "vm-a", kvv1.MigrationRunning, "", t0),
		queueTestMigration("m-b", "vm-b", kvv1.MigrationPending, "", t0.Add(9*time.Second)),
	)
	var b bytes.Buffer
	RenderBlock(&b, st.snapshot(false), t0.Add(10*time.Second))
	want := `node-1  Pending  drain -  pods -  10s
  default/vm-a  Migrating (Running)  node-1  10s
  default/vm-b  Queued (1 of 1)      node-1  1s
  default/vm-c  Waiting              node-1
  default/vm-d  Waiting              node-1
`
	if b.String() != want {
		t.Errorf("block:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRenderDescriptionQueuedMigrations(t *testing.T) {
	d := &Description{
		Method:      MethodDrain,
		Maintenance: NodeMaintenance{NodeName: "node-1", Phase: "Running", CreationTimestamp: t0},
		VMIs: []DescribedVMI{
			{Impact: Classify(testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil),
				MigrationState: &kvv1.VirtualMachineInstanceMigrationState{TargetNode: "node-2"}},
			{Impact: Classify(testVMI("vm-b", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil), QueuePos: 2, QueueLen: 2},
			{Impact: Classify(testVMI("vm-c", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil), QueuePos: 1, QueueLen: 2},
		},
		Migrations: []DescribedMigration{
			{Namespace: "default", Name: "kubevirt-evacuation-aaaaa", VMI: "vm-a", Phase: "Running", Target: "node-2", Created: metav1.NewTime(t0)},
			{Namespace: "default", Name: "kubevirt-evacuation-ccccc", VMI: "vm-c", Phase: "Pending", Created: metav1.NewTime(t0), QueuePos: 1, QueueLen: 2},
			{Namespace: "default", Name: "kubevirt-evacuation-bbbbb", VMI: "vm-b", Phase: "Pending", Created: metav1.NewTime(t0), QueuePos: 2, QueueLen: 2},
		},
	}
	var b bytes.Buffer
	if err := RenderDescription(&b, d, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	got = got[strings.Index(got, "VMs on the node:"):]
	want := `VMs on the node:
  NAME          PHASE    STRATEGY     MIGRATABLE  MIGRATION        DRAIN OUTCOME
  default/vm-a  Running  LiveMigrate  True        to node-2        live-migrate
  default/vm-b  Running  LiveMigrate  True        queued (2 of 2)  live-migrate
  default/vm-c  Running  LiveMigrate  True        queued (1 of 2)  live-migrate
Migrations in flight:
  NAME                               VMI   PHASE            TARGET  AGE
  default/kubevirt-evacuation-aaaaa  vm-a  Running          node-2  60s
  default/kubevirt-evacuation-ccccc  vm-c  queued (1 of 2)  <none>  60s
  default/kubevirt-evacuation-bbbbb  vm-b  queued (2 of 2)  <none>  60s
Events: <none>
`
	if got != want {
		t.Errorf("description:\n%s\nwant:\n%s", got, want)
	}
}

// describe finds each queued migration's place among the node's, whatever order the API lists
// them in, and lists the moving ones first.
func TestDescribeNumbersQueuedMigrations(t *testing.T) {
	ctx := context.Background()
	crit := kvv1.PrioritySystemCritical
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
	var objs []runtime.Object
	for _, n := range []string{"vm-a", "vm-b", "vm-c"} {
		objs = append(objs, testVMI(n, strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""))
	}
	objs = append(objs,
		queueTestMigration("kubevirt-evacuation-aaaaa", "vm-a", kvv1.MigrationRunning, crit, t0),
		queueTestMigration("kubevirt-evacuation-bbbbb", "vm-b", kvv1.MigrationPending, crit, t0.Add(2*time.Second)),
		queueTestMigration("kubevirt-evacuation-ccccc", "vm-c", kvv1.MigrationPending, crit, t0.Add(time.Second)))
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, NewObject(testAPI, "node-1-maintenance", "node-1", "r"))
	api := testAPI
	d, err := Describe(ctx, Clients{Kube: kubefake.NewSimpleClientset(node), Dynamic: dyn, KubeVirt: kvfake.NewSimpleClientset(objs...)}, &api, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range d.Migrations {
		got = append(got, fmt.Sprintf("%s %d/%d", m.Name, m.QueuePos, m.QueueLen))
	}
	for _, v := range d.VMIs {
		got = append(got, fmt.Sprintf("%s %d/%d", v.Impact.Name, v.QueuePos, v.QueueLen))
	}
	want := "kubevirt-evacuation-aaaaa 0/0, kubevirt-evacuation-ccccc 1/2, kubevirt-evacuation-bbbbb 2/2, vm-a 0/0, vm-b 2/2, vm-c 1/2"
	if strings.Join(got, ", ") != want {
		t.Errorf("queue:\n%s\nwant:\n%s", strings.Join(got, ", "), want)
	}
}
