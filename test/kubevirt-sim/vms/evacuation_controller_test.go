package vms

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

func TestWantsEvacuation(t *testing.T) {
	marked := func(strategy virtv1.EvictionStrategy, migratable bool) *virtv1.VirtualMachineInstance {
		vmi := withMigratable(runningVMI("vm", "n1"), migratable)
		vmi.Spec.EvictionStrategy = strategyPtr(strategy)
		vmi.Status.EvacuationNodeName = "n1"
		return vmi
	}
	if !wantsEvacuation(marked(virtv1.EvictionStrategyLiveMigrate, true), nil) {
		t.Error("marked migratable LiveMigrate VMI not evacuated")
	}
	if wantsEvacuation(marked(virtv1.EvictionStrategyExternal, true), nil) {
		t.Error("External VMI evacuated; its external controller acts on the mark")
	}
	if wantsEvacuation(marked(virtv1.EvictionStrategyLiveMigrate, false), nil) {
		t.Error("non-migratable VMI evacuated")
	}
	moved := marked(virtv1.EvictionStrategyLiveMigrate, true)
	moved.Status.NodeName = "n2"
	if wantsEvacuation(moved, nil) {
		t.Error("VMI that already left the node evacuated again")
	}
	if wantsEvacuation(withMigratable(runningVMI("vm", "n1"), true), strategyPtr(virtv1.EvictionStrategyLiveMigrate)) {
		t.Error("unmarked VMI evacuated")
	}
}

func TestEvacuationCreatesKubeVirtsMigrationWithinTheLimits(t *testing.T) {
	f := newFakeCluster(t, 0)
	one := uint32(1)
	kv := &virtv1.KubeVirt{
		ObjectMeta: metav1.ObjectMeta{Name: "kv", Namespace: "openshift-cnv"},
		Spec: virtv1.KubeVirtSpec{Configuration: virtv1.KubeVirtConfiguration{
			EvictionStrategy:       strategyPtr(virtv1.EvictionStrategyLiveMigrate),
			MigrationConfiguration: &virtv1.MigrationConfiguration{ParallelOutboundMigrationsPerNode: &one},
		}},
	}
	if _, err := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Create(f.ctx, kv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		vmi := withMigratable(runningVMI(name, "n1"), true) // strategy from the cluster
		vmi.Status.EvacuationNodeName = "n1"
		pod := launcherOn(vmi, "virt-launcher-"+name+"-x", "n1", corev1.PodRunning)
		if _, err := f.virt.KubevirtV1().VirtualMachineInstances("ns").Create(f.ctx, vmi, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.kube.CoreV1().Pods("ns").Create(f.ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.settle()
	if len(f.s.kvs.GetStore().List()) != 1 {
		t.Fatal("KubeVirt CR not cached")
	}
	for _, key := range []string{"ns/a", "ns/b", "ns/a", "ns/b"} {
		if err := f.s.evacuationCtl.sync(f.ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("ns").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("want 1 evacuation migration with parallelOutboundMigrationsPerNode=1, got %d", len(list.Items))
	}
	m := list.Items[0]
	if m.GenerateName != "kubevirt-evacuation-" || m.Annotations[virtv1.EvacuationMigrationAnnotation] != "n1" ||
		m.Labels[virtv1.MigrationSelectorLabel] != m.Spec.VMIName {
		t.Fatalf("evacuation migration does not look like KubeVirt's: %+v", m.ObjectMeta)
	}
}
