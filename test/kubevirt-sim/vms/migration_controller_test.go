package vms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	virtv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

// fakeCluster runs the simulator's caches against fake clientsets; the tests call the
// controllers' sync functions themselves and play kwok and the scheduler by hand.
type fakeCluster struct {
	t    *testing.T
	ctx  context.Context
	kube *fake.Clientset
	virt *kvfake.Clientset
	s    *simulator
}

func newFakeCluster(t *testing.T, migrationDuration time.Duration) *fakeCluster {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	kube := fake.NewClientset()
	// The fake API server does not generate names or UIDs; the real one does.
	n := 0
	kube.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		n++
		if pod.Name == "" {
			pod.Name = fmt.Sprintf("%s%05d", pod.GenerateName, n)
		}
		pod.UID = types.UID(pod.Name + "-uid")
		return false, nil, nil
	})
	virt := kvfake.NewSimpleClientset()
	s := newSimulator(kube, virt, &Options{MigrationDuration: migrationDuration, Workers: 1})
	for _, inf := range []cache.SharedIndexInformer{s.vms, s.vmis, s.vmims, s.kvs, s.pods, s.pvcs} {
		go inf.RunWithContext(ctx)
	}
	if !cache.WaitForCacheSync(ctx.Done(), s.vms.HasSynced, s.vmis.HasSynced, s.vmims.HasSynced, s.kvs.HasSynced, s.pods.HasSynced, s.pvcs.HasSynced) {
		t.Fatal("caches did not sync")
	}
	return &fakeCluster{t: t, ctx: ctx, kube: kube, virt: virt, s: s}
}

// settle waits until the caches show what the fake API server holds.
func (f *fakeCluster) settle() {
	f.t.Helper()
	err := wait.PollUntilContextTimeout(f.ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return f.cachesCurrent(), nil
	})
	if err != nil {
		f.t.Fatalf("caches did not catch up with the fake API server: %v", err)
	}
}

func (f *fakeCluster) cachesCurrent() bool {
	vmis, _ := f.virt.KubevirtV1().VirtualMachineInstances("").List(f.ctx, metav1.ListOptions{})
	for i := range vmis.Items {
		c := f.s.vmi(vmis.Items[i].Namespace + "/" + vmis.Items[i].Name)
		if c == nil || !apiequality.Semantic.DeepEqual(c.Status, vmis.Items[i].Status) || !apiequality.Semantic.DeepEqual(c.Labels, vmis.Items[i].Labels) {
			return false
		}
	}
	ms, _ := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("").List(f.ctx, metav1.ListOptions{})
	for i := range ms.Items {
		c := f.s.migration(ms.Items[i].Namespace + "/" + ms.Items[i].Name)
		if c == nil || !apiequality.Semantic.DeepEqual(c.Status, ms.Items[i].Status) || !apiequality.Semantic.DeepEqual(c.Labels, ms.Items[i].Labels) {
			return false
		}
	}
	pods, _ := f.kube.CoreV1().Pods("").List(f.ctx, metav1.ListOptions{})
	if len(pods.Items) != len(f.s.pods.GetStore().List()) {
		return false
	}
	// kwok's placement must have reached the cache too, or the controller sees an unplaced pod.
	for i := range pods.Items {
		obj, ok, _ := f.s.pods.GetStore().GetByKey(pods.Items[i].Namespace + "/" + pods.Items[i].Name)
		c, isPod := obj.(*corev1.Pod)
		if !ok || !isPod || c.ResourceVersion != pods.Items[i].ResourceVersion {
			return false
		}
	}
	return true
}

// kwok places every unplaced launcher pod on node and runs it.
func (f *fakeCluster) kwok(node string) {
	pods, _ := f.kube.CoreV1().Pods("ns").List(f.ctx, metav1.ListOptions{})
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Spec.NodeName != "" {
			continue
		}
		p.Spec.NodeName = node
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP = "10.0.9.9"
		updated, err := f.kube.CoreV1().Pods("ns").Update(f.ctx, p, metav1.UpdateOptions{})
		if err != nil {
			f.t.Fatal(err)
		}
		// The fake clientset keeps no resourceVersions and its watch can miss an update that
		// races the informer's start; write the placement into the cache as the watch would.
		if err := f.s.pods.GetStore().Update(updated); err != nil {
			f.t.Fatal(err)
		}
	}
}

// runningVMIOn creates a Running, migratable VMI with its launcher pod on node.
func (f *fakeCluster) runningVMIOn(node string) (*virtv1.VirtualMachineInstance, *corev1.Pod) {
	vmi := withMigratable(runningVMI("vm", node), true)
	vmi.Spec.EvictionStrategy = strategyPtr(virtv1.EvictionStrategyLiveMigrate)
	pod := launcherOn(vmi, "virt-launcher-vm-src00", node, corev1.PodRunning)
	vmi.Status.ActivePods = map[types.UID]string{pod.UID: node}
	if _, err := f.virt.KubevirtV1().VirtualMachineInstances("ns").Create(f.ctx, vmi, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.kube.CoreV1().Pods("ns").Create(f.ctx, pod, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	return vmi, pod
}

func (f *fakeCluster) createMigration(name string, annotations map[string]string, created time.Time) {
	m := &virtv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name + "-uid"),
			Annotations: annotations, CreationTimestamp: metav1.NewTime(created)},
		Spec: virtv1.VirtualMachineInstanceMigrationSpec{VMIName: "vm"},
	}
	if _, err := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("ns").Create(f.ctx, m, metav1.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// drive runs the migration controller on key, with kwok placing new pods on target, until
// the migration is final or stops moving; it returns the phases it passed.
func (f *fakeCluster) drive(key, target string) []virtv1.VirtualMachineInstanceMigrationPhase {
	f.t.Helper()
	var seen []virtv1.VirtualMachineInstanceMigrationPhase
	for i := 0; i < 30; i++ {
		f.settle()
		if err := f.s.migrationCtl.sync(f.ctx, key); err != nil {
			f.t.Fatalf("sync %s: %v", key, err)
		}
		f.kwok(target)
		f.settle()
		m := f.s.migration(key)
		if m.Status.Phase == virtv1.MigrationPhaseUnset {
			continue // the first pass only labels the migration with its VMI
		}
		if len(seen) == 0 || seen[len(seen)-1] != m.Status.Phase {
			seen = append(seen, m.Status.Phase)
		} else if m.Status.Phase == virtv1.MigrationPending {
			return seen // waiting (limits, backoff, an older migration)
		}
		if m.IsFinal() {
			return seen
		}
	}
	f.t.Fatalf("migration %s did not finish: %v", key, seen)
	return nil
}

func TestMigrationWalksKubeVirtsPhasesAndMovesTheVMI(t *testing.T) {
	f := newFakeCluster(t, 0)
	_, src := f.runningVMIOn("n1")
	f.createMigration("m1", nil, time.Now())

	phases := f.drive("ns/m1", "n2")
	want := []virtv1.VirtualMachineInstanceMigrationPhase{virtv1.MigrationPending, virtv1.MigrationScheduling,
		virtv1.MigrationScheduled, virtv1.MigrationPreparingTarget, virtv1.MigrationTargetReady, virtv1.MigrationRunning,
		virtv1.MigrationSucceeded}
	if !slices.Equal(phases, want) {
		t.Fatalf("phases %v, want %v", phases, want)
	}
	m := f.s.migration("ns/m1")
	if len(m.Status.PhaseTransitionTimestamps) != len(want) || m.Labels[virtv1.MigrationSelectorLabel] != "vm" {
		t.Errorf("migration status/labels: %+v %v", m.Status.PhaseTransitionTimestamps, m.Labels)
	}
	vmi := f.s.vmi("ns/vm")
	ms := vmi.Status.MigrationState
	if vmi.Status.NodeName != "n2" || vmi.Labels[virtv1.NodeNameLabel] != "n2" || ms == nil || !ms.Completed || ms.Failed ||
		ms.SourceNode != "n1" || ms.TargetNode != "n2" || ms.MigrationUID != "m1-uid" || ms.StartTimestamp == nil || ms.EndTimestamp == nil {
		t.Fatalf("VMI after migration: node %s labels %v state %+v", vmi.Status.NodeName, vmi.Labels, ms)
	}
	if _, ok := vmi.Labels[virtv1.MigrationTargetNodeNameLabel]; ok {
		t.Error("migrationTargetNodeName label left behind")
	}
	if m.Status.MigrationState == nil || m.Status.MigrationState.TargetNode != "n2" {
		t.Errorf("VMIM does not mirror the migration state: %+v", m.Status.MigrationState)
	}
	if p, err := f.kube.CoreV1().Pods("ns").Get(f.ctx, src.Name, metav1.GetOptions{}); err == nil && p.DeletionTimestamp == nil {
		t.Error("source pod not deleted")
	}
	target := f.s.launcherPods(vmi)
	if len(target) != 1 || target[0].Spec.NodeName != "n2" || target[0].Labels[virtv1.MigrationJobLabel] != "m1-uid" {
		t.Fatalf("want only the target pod left on n2, got %v", target)
	}
}

func TestFailedEvacuationMigrationBacksOffTheNextOne(t *testing.T) {
	f := newFakeCluster(t, 0)
	f.runningVMIOn("n1")
	vmi, _ := f.virt.KubevirtV1().VirtualMachineInstances("ns").Get(f.ctx, "vm", metav1.GetOptions{})
	vmi.Annotations = map[string]string{annotationMigrationFail: "true"}
	if _, err := f.virt.KubevirtV1().VirtualMachineInstances("ns").Update(f.ctx, vmi, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	evac := map[string]string{virtv1.EvacuationMigrationAnnotation: "n1"}
	f.createMigration("first", evac, time.Now().Add(-time.Minute))

	if phases := f.drive("ns/first", "n2"); phases[len(phases)-1] != virtv1.MigrationFailed {
		t.Fatalf("first migration: phases %v, want it to end Failed", phases)
	}
	after := f.s.vmi("ns/vm")
	if ms := after.Status.MigrationState; after.Status.NodeName != "n1" || ms == nil || !ms.Failed || !ms.Completed {
		t.Fatalf("VMI after the failed migration: node %s state %+v", after.Status.NodeName, ms)
	}
	for _, p := range f.s.launcherPods(after) {
		if p.Labels[virtv1.MigrationJobLabel] != "" && p.DeletionTimestamp == nil {
			t.Fatalf("target pod %s left behind", p.Name)
		}
	}

	f.createMigration("second", evac, time.Now())
	if phases := f.drive("ns/second", "n2"); !slices.Equal(phases, []virtv1.VirtualMachineInstanceMigrationPhase{virtv1.MigrationPending}) {
		t.Fatalf("second migration: phases %v, want it held in Pending by the backoff", phases)
	}
}

func TestMigrationsWaitForTheOutboundLimit(t *testing.T) {
	f := newFakeCluster(t, time.Hour) // nothing finishes during the test
	f.runningVMIOn("n1")
	// Two migrations already running from n1 (of other VMIs) use up the per-node limit of 2.
	for _, name := range []string{"busy-a", "busy-b"} {
		m := &virtv1.VirtualMachineInstanceMigration{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)},
			Spec:       virtv1.VirtualMachineInstanceMigrationSpec{VMIName: name},
			Status: virtv1.VirtualMachineInstanceMigrationStatus{Phase: virtv1.MigrationRunning,
				MigrationState: &virtv1.VirtualMachineInstanceMigrationState{SourceNode: "n1"}},
		}
		if _, err := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("ns").Create(f.ctx, m, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.createMigration("waiting", nil, time.Now())
	if phases := f.drive("ns/waiting", "n2"); !slices.Equal(phases, []virtv1.VirtualMachineInstanceMigrationPhase{virtv1.MigrationPending}) {
		t.Fatalf("phases %v, want Pending only while n1 has 2 outbound migrations", phases)
	}
	if len(f.s.launcherPods(f.s.vmi("ns/vm"))) != 1 {
		t.Fatal("a target pod was created although the limit was reached")
	}
}

// driveTo syncs the migration, kwok placing pods on target, until it reaches phase.
func (f *fakeCluster) driveTo(key, target string, phase virtv1.VirtualMachineInstanceMigrationPhase) {
	f.t.Helper()
	for i := 0; i < 30; i++ {
		f.settle()
		if m := f.s.migration(key); m.Status.Phase == phase {
			return
		}
		if err := f.s.migrationCtl.sync(f.ctx, key); err != nil {
			f.t.Fatalf("sync %s: %v", key, err)
		}
		f.kwok(target)
	}
	f.t.Fatalf("migration %s never reached %s", key, phase)
}

// The VMI and the migration come from two informers: right after handOff wrote the VMI's
// migrationState, the migration's own update can arrive first. A sync then must wait for the
// VMI (a retry), not dereference the missing state (it crashed the whole simulator in CI) nor
// fail the migration; only a state missing past cacheLagGrace fails it.
func TestMigrationWaitsForAVMICacheThatIsBehind(t *testing.T) {
	for _, phase := range []virtv1.VirtualMachineInstanceMigrationPhase{
		virtv1.MigrationPreparingTarget, virtv1.MigrationTargetReady, virtv1.MigrationRunning,
	} {
		t.Run(string(phase), func(t *testing.T) {
			f := newFakeCluster(t, time.Hour)
			f.runningVMIOn("n1")
			f.createMigration("m1", nil, time.Now())
			f.driveTo("ns/m1", "n2", phase)

			// The cache shows the VMI as it was before handOff.
			stale := f.s.vmi("ns/vm").DeepCopy()
			stale.Status.MigrationState = nil
			if err := f.s.vmis.GetStore().Update(stale); err != nil {
				t.Fatal(err)
			}
			err := f.s.migrationCtl.sync(f.ctx, "ns/m1")
			if !errors.Is(err, errVMIBehind) {
				t.Fatalf("sync with the VMI cache behind: %v, want errVMIBehind", err)
			}
			if m := f.s.migration("ns/m1"); m.Status.Phase != phase {
				t.Fatalf("phase %s after the retry, want %s unchanged", m.Status.Phase, phase)
			}

			// Still missing past the grace: the migration fails instead of waiting for ever.
			m := f.s.migration("ns/m1").DeepCopy()
			for i := range m.Status.PhaseTransitionTimestamps {
				m.Status.PhaseTransitionTimestamps[i].PhaseTransitionTimestamp = metav1.NewTime(time.Now().Add(-time.Minute))
			}
			if err := f.s.vmims.GetStore().Update(m); err != nil {
				t.Fatal(err)
			}
			if err := f.s.migrationCtl.sync(f.ctx, "ns/m1"); err != nil {
				t.Fatalf("sync past the grace: %v", err)
			}
			got, err := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("ns").Get(f.ctx, "m1", metav1.GetOptions{})
			if err != nil || got.Status.Phase != virtv1.MigrationFailed {
				t.Fatalf("past the grace: phase %v (%v), want Failed", got.Status.Phase, err)
			}
		})
	}
}
