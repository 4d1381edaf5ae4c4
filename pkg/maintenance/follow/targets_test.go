package follow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// A migration whose target pod cannot be scheduled, and a VM waiting behind it, end the wait
// as stuck with the scheduler's reason; once the pod is placed the same wait goes on.
func TestFollowStallsOnUnschedulableMigration(t *testing.T) {
	live := strategy(kvv1.EvictionStrategyLiveMigrate)
	pinned := testVMI("vm-a", live, corev1.ConditionTrue, "", "")
	behind := testVMI("vm-b", live, corev1.ConditionTrue, "", "")
	h := newFollowHarness(t, []runtime.Object{nmObject(nil)}, pinned, behind)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.start(ctx, &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance", StallAfter: 300 * time.Millisecond})
	h.setStatus(map[string]interface{}{"phase": "Running"})

	mig := &kvv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubevirt-evacuation-a", UID: "mig-a", CreationTimestamp: metav1.Now()},
		Spec:       kvv1.VirtualMachineInstanceMigrationSpec{VMIName: "vm-a"},
		Status:     kvv1.VirtualMachineInstanceMigrationStatus{Phase: kvv1.MigrationScheduling},
	}
	if _, err := h.kv.KubevirtV1().VirtualMachineInstanceMigrations("default").Create(ctx, mig, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.until("migrating", func(s Snapshot) bool { return vmState(s, "default/vm-a").State == VMMigrating })
	pod, err := h.kube.CoreV1().Pods("default").Create(ctx, unschedulableTargetPod("mig-a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := h.until("unschedulable", func(s Snapshot) bool { return vmState(s, "default/vm-a").Unschedulable })
	if !s.Stalled {
		t.Errorf("snapshot not stalled with one VM unschedulable and the other waiting: %+v", s.VMs)
	}

	// The scheduler places the pod: no longer stuck, the stall timer stops.
	pod.Spec.NodeName = "node-2"
	pod.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := h.kube.CoreV1().Pods("default").Update(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s = h.until("placed", func(s Snapshot) bool { return !vmState(s, "default/vm-a").Unschedulable })
	if s.Stalled {
		t.Errorf("still stalled after the target pod was placed")
	}
	select {
	case err := <-h.result:
		t.Fatalf("the wait ended while a migration moves: %v", err)
	case <-time.After(500 * time.Millisecond):
	}

	// Unschedulable again (a new target pod of a new migration): stuck after StallAfter.
	if _, err := h.kube.CoreV1().Pods("default").Create(ctx, func() *corev1.Pod {
		p := unschedulableTargetPod("mig-a")
		p.Name += "-2"
		return p
	}(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = h.wait()
	var se *StalledError
	if !errors.As(err, &se) {
		t.Fatalf("Wait = %v, want StalledError", err)
	}
	for _, want := range []string{
		"the drain of node node-1 is stuck: for 300ms no VM left has been able to leave, because the scheduler cannot place their migrations' target pods",
		"VM default/vm-a: Migrating (migration Scheduling): target pod default/virt-launcher-vm-a-target-2 cannot be scheduled: " + schedulerSays,
		"VM default/vm-b: Waiting",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("stuck report lacks %q:\n%s", want, err)
		}
	}
	if !strings.Contains(se.Hint(), "give the migrating VMs a node the scheduler accepts") {
		t.Errorf("hint: %s", se.Hint())
	}
}

// A VM that waits its turn while others migrate normally is not stuck.
func TestFollowWaitingVMsBehindMovingMigrationsAreNotStalled(t *testing.T) {
	s := &followState{f: &Follower{Node: "node-1", Now: time.Now}, vmis: map[string]*trackedVMI{}, migs: map[string]*kvv1.VirtualMachineInstanceMigration{},
		targets: map[types.UID]unschedulableTarget{}, nm: &maintenance.NodeMaintenance{Phase: maintenance.PhaseRunning}}
	live := strategy(kvv1.EvictionStrategyLiveMigrate)
	for _, name := range []string{"vm-a", "vm-b"} {
		s.setVMI(testVMI(name, live, corev1.ConditionTrue, "", ""), true)
	}
	if s.stalled() {
		t.Fatal("two VMs waiting for the drain to reach them reported as stalled")
	}
	s.migs["default/m"] = &kvv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "m", UID: "m"},
		Spec:       kvv1.VirtualMachineInstanceMigrationSpec{VMIName: "vm-a"},
		Status:     kvv1.VirtualMachineInstanceMigrationStatus{Phase: kvv1.MigrationRunning},
	}
	if s.stalled() {
		t.Fatal("a VM waiting behind a running migration reported as stalled")
	}
	s.targets["m"] = unschedulableTarget{pod: "default/p", reason: schedulerSays}
	if !s.stalled() {
		t.Fatal("a VM waiting behind an unschedulable migration not reported as stalled")
	}
}
