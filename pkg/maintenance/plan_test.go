package maintenance

import (
	"bytes"
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

func pod(ns, name, node string, mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{NodeName: node}}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func TestBuildPlanUsesClusterDefaultAndGroups(t *testing.T) {
	ctx := context.Background()
	live := kvv1.EvictionStrategyLiveMigrate
	kv := &kvv1.KubeVirt{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kubevirt", Name: "kubevirt"},
		Spec:       kvv1.KubeVirtSpec{Configuration: kvv1.KubeVirtConfiguration{EvictionStrategy: &live}},
	}
	migratable := testVMI("vm-a", nil, corev1.ConditionTrue, "", "")
	migratable.Status.ActivePods = map[types.UID]string{"launcher-a": "node-1"}
	rwo := testVMI("vm-rwo", nil, corev1.ConditionFalse, "DisksNotLiveMigratable", "PVC rootdisk is not shared")
	none := testVMI("vm-none", strategy(kvv1.EvictionStrategyNone), corev1.ConditionTrue, "", "")
	rerun := testVMI("vm-rerun", strategy(kvv1.EvictionStrategyNone), corev1.ConditionTrue, "", "")
	bare := testVMI("vm-bare", strategy(kvv1.EvictionStrategyNone), corev1.ConditionTrue, "", "")
	bare.OwnerReferences = nil
	// A guest that already shut down keeps the node's label: not this drain's business.
	done := testVMI("vm-done", strategy(kvv1.EvictionStrategyNone), corev1.ConditionTrue, "", "")
	done.Status.Phase = kvv1.Succeeded
	elsewhere := testVMI("vm-elsewhere", nil, corev1.ConditionTrue, "", "")
	elsewhere.Labels[kvv1.NodeNameLabel] = "node-2"
	// Migrating from node-2 into node-1: the drain waits for it.
	incoming := testVMI("vm-incoming", nil, corev1.ConditionTrue, "", "")
	incoming.Labels[kvv1.NodeNameLabel] = "node-2"
	incoming.Labels[kvv1.MigrationTargetNodeNameLabel] = "node-1"
	incoming.Status.NodeName = "node-2"
	incoming.Status.MigrationState = &kvv1.VirtualMachineInstanceMigrationState{SourceNode: "node-2", TargetNode: "node-1"}
	vm := func(name string, rs kvv1.VirtualMachineRunStrategy) *kvv1.VirtualMachine {
		return &kvv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, Spec: kvv1.VirtualMachineSpec{RunStrategy: &rs}}
	}

	kvc := kvfake.NewSimpleClientset(kv, migratable, rwo, none, rerun, bare, done, elsewhere, incoming,
		vm("vm-none", kvv1.RunStrategyAlways), vm("vm-rerun", kvv1.RunStrategyRerunOnFailure), vm("vm-done", kvv1.RunStrategyManual))
	kube := kubefake.NewSimpleClientset(
		pod("default", "virt-launcher-vm-a-x", "node-1", func(p *corev1.Pod) {
			p.Labels = map[string]string{"kubevirt.io": "virt-launcher"}
			p.UID = "launcher-a"
		}),
		// vm-a's hotplug volume pod goes with the VM, not with the other pods.
		pod("default", "hp-volume-x", "node-1", func(p *corev1.Pod) {
			ctrl := true
			p.Labels = map[string]string{"kubevirt.io": "hotplug-disk"}
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "virt-launcher-vm-a-x", UID: "launcher-a", Controller: &ctrl}}
		}),
		pod("default", "web-1", "node-1", nil),
		pod("kube-system", "ds-1", "node-1", func(p *corev1.Pod) {
			ctrl := true
			p.OwnerReferences = []metav1.OwnerReference{{Kind: "DaemonSet", Name: "ds", Controller: &ctrl}}
		}),
		pod("default", "web-2", "node-2", nil),
	)
	c := Clients{Kube: kube, KubeVirt: kvc}

	def, err := ClusterEvictionStrategy(ctx, kvc)
	if err != nil || def == nil || *def != live {
		t.Fatalf("cluster default = %v, %v; want LiveMigrate", def, err)
	}
	plan, err := BuildPlan(ctx, c, "node-1", def)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RenderPlan(&out, plan); err != nil {
		t.Fatal(err)
	}
	want := `Node node-1:
  Will live-migrate (1):
    default/vm-a  LiveMigrate (cluster default)  hotplug volume pods leave with it: hp-volume-x
  Will be shut down and restarted elsewhere (1):
    default/vm-none  None
  Will be shut down and NOT restarted (2):
    default/vm-bare   None  no VirtualMachine owns it
    default/vm-rerun  None  runStrategy RerunOnFailure does not rerun a guest that shut down cleanly
  Will block the drain (1):
    default/vm-rwo  LiveMigrate (cluster default)  not live-migratable: DisksNotLiveMigratable: PVC rootdisk is not shared
  Migrating into this node; the drain waits for them to finish (1):
    default/vm-incoming  from node-2
  Other pods to evict: 1 (1 DaemonSet or static pods stay)
`
	if out.String() != want {
		t.Fatalf("plan text:\n%s\nwant:\n%s", out.String(), want)
	}
	if b := plan.Blocking(); len(b) != 1 || b[0].Name != "vm-rwo" {
		t.Fatalf("blocking = %+v", b)
	}
	be := &BlockingError{Node: "node-1", Blocking: plan.Blocking()}
	wantErr := "refusing to start maintenance on node node-1: 1 VM(s) would block the drain\n  default/vm-rwo: evictionStrategy LiveMigrate (cluster default) but DisksNotLiveMigratable: PVC rootdisk is not shared"
	if be.Error() != wantErr {
		t.Fatalf("error text:\n%s\nwant:\n%s", be.Error(), wantErr)
	}
}

func TestClusterEvictionStrategyWithoutKubeVirtCR(t *testing.T) {
	def, err := ClusterEvictionStrategy(context.Background(), kvfake.NewSimpleClientset())
	if err != nil || def != nil {
		t.Fatalf("got %v, %v; want no default", def, err)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"node-000000", "node-000001", "worker-a", "master-0"}
	got := Suggest("node-00000", names)
	if len(got) != 2 || got[0] != "node-000000" || got[1] != "node-000001" {
		t.Fatalf("Suggest = %v", got)
	}
	if got := Suggest("zzz", names); len(got) != 0 {
		t.Fatalf("Suggest(zzz) = %v, want none", got)
	}
}

var _ runtime.Object = &corev1.Pod{}
