package maintenance

import (
	"context"
	"fmt"
	"strings"
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
	// pkg/printers' TestRenderMaintenancePlan shows a plan of these facts.
	want := `default/vm-a migrate: LiveMigrate (cluster default), owned, runStrategy "", migratable True, hotplug [default/hp-volume-x]
default/vm-bare shutdown: None, not owned, runStrategy "", migratable True, hotplug []
default/vm-none restart: None, owned, runStrategy "Always", migratable True, hotplug []
default/vm-rerun shutdown: None, owned, runStrategy "RerunOnFailure", migratable True, hotplug []
default/vm-rwo block: LiveMigrate (cluster default), owned, runStrategy "", migratable False (DisksNotLiveMigratable: PVC rootdisk is not shared), hotplug []
incoming default/vm-incoming from node-2
other pods [default/web-1], staying [kube-system/ds-1]
`
	if got := planFacts(plan); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
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

// planFacts sums up what the plan text of pkg/printers is made of: each VM's verdict with the
// facts behind it, the VMs migrating in, and the other pods.
func planFacts(p *Plan) string {
	var b strings.Builder
	for _, v := range p.VMIs {
		owned, migratable := "owned", string(v.Migratable)
		if !v.OwnedByVM {
			owned = "not owned"
		}
		if v.Migratable != corev1.ConditionTrue {
			migratable += " (" + v.MigratableText() + ")"
		}
		fmt.Fprintf(&b, "%s %s: %s, %s, runStrategy %q, migratable %s, hotplug %v\n", v.Key(), v.Outcome, v.StrategyText(), owned, v.RunStrategy, migratable, v.HotplugPods)
	}
	for _, in := range p.Incoming {
		fmt.Fprintf(&b, "incoming %s/%s from %s\n", in.Namespace, in.Name, in.Source)
	}
	fmt.Fprintf(&b, "other pods %v, staying %v\n", p.OtherPods, p.StayingPods)
	return b.String()
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
