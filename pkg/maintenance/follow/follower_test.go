package follow

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/maintenancetest"
)

// The shared fixtures (maintenancetest), under the short names the tests use.
var (
	t0                     = maintenancetest.T0
	testAPI                = maintenance.API{GVR: maintenancetest.NodeMaintenanceGVR, Kind: "NodeMaintenance"}
	strategy               = maintenancetest.Strategy
	testVMI                = maintenancetest.VMI
	queueTestMigration     = maintenancetest.Migration
	unschedulableTargetPod = maintenancetest.UnschedulableTargetPod
)

const schedulerSays = maintenancetest.SchedulerSays

type followHarness struct {
	t       *testing.T
	dyn     *dynfake.FakeDynamicClient
	kv      *kvfake.Clientset
	kube    *kubefake.Clientset
	watches atomic.Int32
	// ended is set when Wait returned: a maintenance that has already ended may be over
	// before every informer watches.
	ended  atomic.Bool
	snaps  chan Snapshot
	result chan error
}

func newFollowHarness(t *testing.T, objs []runtime.Object, kvObjs ...runtime.Object) *followHarness {
	h := &followHarness{t: t, snaps: make(chan Snapshot, 100), result: make(chan error, 1)}
	h.dyn = dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, objs...)
	h.kv = kvfake.NewSimpleClientset(kvObjs...)
	h.kube = kubefake.NewSimpleClientset()
	h.kube.Resources = []*metav1.APIResourceList{{
		GroupVersion: "kubevirt.io/v1",
		APIResources: []metav1.APIResource{{Name: "virtualmachineinstances", Kind: "VirtualMachineInstance", Namespaced: true}},
	}}
	// Count the watches so the test changes objects only once every informer is watching:
	// the fakes drop events that happen between an informer's list and its watch.
	count := func(clienttesting.Action) (bool, watch.Interface, error) {
		h.watches.Add(1)
		return false, nil, nil
	}
	h.dyn.PrependWatchReactor("*", count)
	h.kv.PrependWatchReactor("*", count)
	h.kube.PrependWatchReactor("*", count)
	return h
}

func (h *followHarness) start(ctx context.Context, f *Follower) {
	f.Clients = maintenance.Clients{Kube: h.kube, Dynamic: h.dyn, Discovery: h.kube.Discovery(), KubeVirt: h.kv}
	f.OnProgress = func(s Snapshot) { h.snaps <- s }
	go func() {
		err := f.Wait(ctx)
		h.ended.Store(true)
		h.result <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for h.watches.Load() < 4 && !h.ended.Load() {
		if time.Now().After(deadline) {
			h.t.Fatalf("informers did not start watching")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// until returns the first snapshot satisfying pred, failing after a deadline.
func (h *followHarness) until(what string, pred func(Snapshot) bool) Snapshot {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case s := <-h.snaps:
			if pred(s) {
				return s
			}
		case err := <-h.result:
			h.t.Fatalf("waiting for %s: Wait returned early: %v", what, err)
		case <-timeout:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (h *followHarness) wait() error {
	h.t.Helper()
	select {
	case err := <-h.result:
		return err
	case <-time.After(5 * time.Second):
		h.t.Fatalf("Wait did not return")
	}
	return nil
}

func nmObject(status map[string]interface{}) *unstructured.Unstructured {
	u := maintenance.NewObject(testAPI, "node-1-maintenance", "node-1", "test")
	if status != nil {
		u.Object["status"] = status
	}
	return u
}

func (h *followHarness) setStatus(status map[string]interface{}) {
	h.t.Helper()
	if _, err := h.dyn.Resource(testAPI.GVR).Update(context.Background(), nmObject(status), metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func vmState(s Snapshot, key string) VMProgress {
	for _, v := range s.VMs {
		if v.Key() == key {
			return v
		}
	}
	return VMProgress{}
}

func TestFollowMigrationToSucceeded(t *testing.T) {
	vmi := testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", "")
	h := newFollowHarness(t, []runtime.Object{nmObject(nil)}, vmi)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.start(ctx, &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance"})

	h.until("VM waiting", func(s Snapshot) bool { return vmState(s, "default/vm-a").State == VMWaiting })
	h.setStatus(map[string]interface{}{"phase": "Running", "drainProgress": int64(0), "evictionPods": int64(1), "totalpods": int64(1)})
	h.until("phase Running", func(s Snapshot) bool { return s.Phase == maintenance.PhaseRunning })

	mig := &kvv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "evacuation-abc", CreationTimestamp: metav1.Now()},
		Spec:       kvv1.VirtualMachineInstanceMigrationSpec{VMIName: "vm-a"},
		Status:     kvv1.VirtualMachineInstanceMigrationStatus{Phase: kvv1.MigrationScheduling},
	}
	migs := h.kv.KubevirtV1().VirtualMachineInstanceMigrations("default")
	if _, err := migs.Create(ctx, mig, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := h.until("migrating", func(s Snapshot) bool { return vmState(s, "default/vm-a").State == VMMigrating })
	if s.Phase != maintenance.PhaseRunning || vmState(s, "default/vm-a").MigrationPhase != "Scheduling" {
		t.Fatalf("unexpected snapshot %+v", s)
	}

	// KubeVirt finishes the migration and relabels the VMI with its new node.
	mig.Status.Phase = kvv1.MigrationSucceeded
	if _, err := migs.Update(ctx, mig, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.until("migration succeeded", func(s Snapshot) bool { return vmState(s, "default/vm-a").MigrationPhase == "Succeeded" })
	// The label-selected watch sees the VMI leave its selector (KubeVirt relabels it with the
	// target node) as a deletion; the fake can only show that as a real one.
	if err := h.kv.KubevirtV1().VirtualMachineInstances("default").Delete(ctx, "vm-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	s = h.until("migrated", func(s Snapshot) bool { return vmState(s, "default/vm-a").State == VMMigrated })
	if v := vmState(s, "default/vm-a"); v.OnNode() {
		t.Fatalf("migrated VM still counted on the node: %+v", v)
	}

	h.setStatus(map[string]interface{}{"phase": "Succeeded", "drainProgress": int64(100), "evictionPods": int64(1), "totalpods": int64(1)})
	if err := h.wait(); err != nil {
		t.Fatalf("Wait = %v, want success", err)
	}
}

func TestFollowAlreadySucceededEndsAtOnce(t *testing.T) {
	h := newFollowHarness(t, []runtime.Object{nmObject(map[string]interface{}{"phase": "Succeeded", "drainProgress": int64(100)})})
	h.start(context.Background(), &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance"})
	if err := h.wait(); err != nil {
		t.Fatalf("Wait = %v, want success", err)
	}
}

func TestFollowFailedPhase(t *testing.T) {
	h := newFollowHarness(t, []runtime.Object{nmObject(nil)})
	h.start(context.Background(), &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance"})
	h.setStatus(map[string]interface{}{"phase": "Failed", "lastError": "boom", "pendingPods": []interface{}{"default/web-1"}})
	err := h.wait()
	var fe *FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("Wait = %v, want FailedError", err)
	}
	want := "maintenance of node node-1 failed\nstill on node node-1:\n  pod default/web-1: waiting for eviction\nlast error: boom"
	if err.Error() != want {
		t.Fatalf("error text:\n%s\nwant:\n%s", err.Error(), want)
	}
}

func TestFollowStallsOnBlockingVM(t *testing.T) {
	rwo := testVMI("vm-rwo", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionFalse, "DisksNotLiveMigratable", "PVC disk0 is not shared")
	h := newFollowHarness(t, []runtime.Object{nmObject(nil)}, rwo)
	h.start(context.Background(), &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance", StallAfter: 200 * time.Millisecond})
	h.setStatus(map[string]interface{}{"phase": "Running", "lastError": "cannot evict pod as it would violate the pod's disruption budget"})
	err := h.wait()
	var se *StalledError
	if !errors.As(err, &se) {
		t.Fatalf("Wait = %v, want StalledError", err)
	}
	if !strings.Contains(err.Error(), "VM default/vm-rwo: Blocked: not live-migratable: DisksNotLiveMigratable: PVC disk0 is not shared") {
		t.Fatalf("error does not name the blocking VM and why:\n%s", err)
	}
}

func TestFollowTimeoutAndInterrupt(t *testing.T) {
	h := newFollowHarness(t, []runtime.Object{nmObject(map[string]interface{}{"phase": "Running"})})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	h.start(ctx, &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance", Timeout: 300 * time.Millisecond})
	var te *TimeoutError
	if err := h.wait(); !errors.As(err, &te) {
		t.Fatalf("Wait = %v, want TimeoutError", err)
	}

	h2 := newFollowHarness(t, []runtime.Object{nmObject(map[string]interface{}{"phase": "Running"})})
	ctx2, cancel2 := context.WithCancel(context.Background())
	h2.start(ctx2, &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance"})
	cancel2()
	var ie *InterruptedError
	if err := h2.wait(); !errors.As(err, &ie) {
		t.Fatalf("Wait = %v, want InterruptedError", err)
	}
}

func TestFollowDeletedObject(t *testing.T) {
	h := newFollowHarness(t, []runtime.Object{nmObject(map[string]interface{}{"phase": "Running"})})
	h.start(context.Background(), &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance"})
	if err := h.dyn.Resource(testAPI.GVR).Delete(context.Background(), "node-1-maintenance", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var ge *GoneError
	if err := h.wait(); !errors.As(err, &ge) {
		t.Fatalf("Wait = %v, want GoneError", err)
	}
}

func TestFollowWarnsWhenNoOperatorReports(t *testing.T) {
	h := newFollowHarness(t, []runtime.Object{nmObject(nil)})
	warned := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.start(ctx, &Follower{API: testAPI, Node: "node-1", Name: "node-1-maintenance", OperatorGrace: 100 * time.Millisecond,
		OnWarning: func(s string) { warned <- s }})
	select {
	case msg := <-warned:
		want := "no operator has reported on NodeMaintenance node-1-maintenance after 0s; check that the Node Maintenance Operator is running and serves nodemaintenance.medik8s.io/v1beta1"
		if msg != want {
			t.Fatalf("warning %q, want %q", msg, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no warning")
	}
	cancel()
	var ie *InterruptedError
	if err := h.wait(); !errors.As(err, &ie) {
		t.Fatalf("Wait = %v", err)
	}
}
