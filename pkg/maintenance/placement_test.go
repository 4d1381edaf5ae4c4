package maintenance

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"
)

func placementNode(name string, lbl map[string]string, taints ...corev1.Taint) *corev1.Node {
	all := map[string]string{LabelSchedulable: "true"}
	for k, v := range lbl {
		all[k] = v
	}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: all}, Spec: corev1.NodeSpec{Taints: taints}}
}

func placementPlan(vmis ...*kvv1.VirtualMachineInstance) *Plan {
	p := &Plan{Node: "node-1"}
	for _, v := range vmis {
		p.VMIs = append(p.VMIs, Classify(v, nil))
		p.vmis = append(p.vmis, v)
	}
	return p
}

func zoneAffinity(zones ...string) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: zones}}}},
	}}}
}

func TestPinnedMigratingVMBlocksTheDrainNamingItsConstraint(t *testing.T) {
	live := kvv1.EvictionStrategyLiveMigrate
	left := map[string]*corev1.Node{
		"node-2": placementNode("node-2", map[string]string{"zone": "a", "rack": "r2"}),
		"node-3": placementNode("node-3", map[string]string{"zone": "b", "rack": "r3"}, corev1.Taint{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}),
	}
	cases := []struct {
		name   string
		set    func(*kvv1.VirtualMachineInstance)
		reason string // "" when the VM can go
	}{
		{"free", func(*kvv1.VirtualMachineInstance) {}, ""},
		{"selector", func(v *kvv1.VirtualMachineInstance) {
			v.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "node-1"}
		},
			"no node to go to: of nodes node-2, node-3, nodeSelector kubernetes.io/hostname=node-1 matches none of them"},
		{"affinity", func(v *kvv1.VirtualMachineInstance) { v.Spec.Affinity = zoneAffinity("c", "d") },
			"no node to go to: of nodes node-2, node-3, required node affinity (zone In (c,d)) matches none of them"},
		{"affinity to the tainted node", func(v *kvv1.VirtualMachineInstance) { v.Spec.Affinity = zoneAffinity("b") },
			"no node to go to: of nodes node-2, node-3, its nodeSelector, node affinity and tolerations together rule out each of them"},
		{"affinity to the tainted node, tolerated", func(v *kvv1.VirtualMachineInstance) {
			v.Spec.Affinity = zoneAffinity("b")
			v.Spec.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}
		}, ""},
		{"selector on a rack and affinity", func(v *kvv1.VirtualMachineInstance) {
			v.Spec.NodeSelector = map[string]string{"rack": "r9"}
			v.Spec.Affinity = zoneAffinity("c")
		}, "no node to go to: of nodes node-2, node-3, nodeSelector rack=r9 matches none of them; required node affinity (zone In (c)) matches none of them"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vmi := testVMI("vm-a", &live, corev1.ConditionTrue, "", "")
			c.set(vmi)
			p := placementPlan(vmi)
			p.SetDestinations(left)
			got := p.VMIs[0]
			if c.reason == "" {
				if got.Outcome != OutcomeMigrate || got.NoPlace != "" {
					t.Fatalf("outcome %s, no place %q; want migrate", got.Outcome, got.NoPlace)
				}
				return
			}
			if got.Outcome != OutcomeBlock || got.NoPlace != c.reason {
				t.Fatalf("outcome %s, no place:\n  %q\nwant block:\n  %q", got.Outcome, got.NoPlace, c.reason)
			}
		})
	}
}

func TestNoKubeVirtNodeLeftBlocksEveryMigratingVM(t *testing.T) {
	live := kvv1.EvictionStrategyLiveMigrate
	unlabelled := placementNode("infra-1", nil)
	delete(unlabelled.Labels, LabelSchedulable)
	p := placementPlan(testVMI("vm-a", &live, corev1.ConditionTrue, "", ""), testVMI("vm-b", &live, corev1.ConditionTrue, "", ""))
	p.SetDestinations(map[string]*corev1.Node{"infra-1": unlabelled})
	if len(p.Blocking()) != 2 {
		t.Fatalf("blocking %d VMs, want 2: %+v", len(p.Blocking()), p.VMIs)
	}
	err := &BlockingError{Node: "node-1", Blocking: p.Blocking()}
	want := "refusing to start maintenance on node node-1: 2 VM(s) would block the drain\n" +
		"  default/vm-a: evictionStrategy LiveMigrate but no other Ready, schedulable node is labelled kubevirt.io/schedulable=true (node infra-1)\n" +
		"  default/vm-b: evictionStrategy LiveMigrate but no other Ready, schedulable node is labelled kubevirt.io/schedulable=true (node infra-1)"
	if err.Error() != want {
		t.Fatalf("error:\n%s\nwant:\n%s", err.Error(), want)
	}
	if !strings.Contains(err.Hint(), "give the VMs a node to go to") {
		t.Errorf("hint does not say how to give the VMs a node: %s", err.Hint())
	}
	var be *BlockingError
	if !errors.As(error(err), &be) {
		t.Fatal("not a BlockingError")
	}

	// Once a KubeVirt node is there (a second computation), the VMs migrate again.
	p.SetDestinations(map[string]*corev1.Node{"node-2": placementNode("node-2", nil)})
	if len(p.Blocking()) != 0 || len(p.With(OutcomeMigrate)) != 2 {
		t.Fatalf("after a node appeared: %+v", p.VMIs)
	}
}

func TestNotMigratableVMKeepsItsReasonWhateverTheNodes(t *testing.T) {
	live := kvv1.EvictionStrategyLiveMigrate
	vmi := testVMI("vm-a", &live, corev1.ConditionFalse, "DisksNotLiveMigratable", "PVC data is not shared")
	vmi.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "node-1"}
	p := placementPlan(vmi)
	p.SetDestinations(map[string]*corev1.Node{"node-2": placementNode("node-2", nil)})
	if got := p.VMIs[0]; got.Outcome != OutcomeBlock || got.NoPlace != "" {
		t.Fatalf("outcome %s, no place %q: a VM that cannot migrate at all is blocked for that", got.Outcome, got.NoPlace)
	}
}

func TestPinnedRestartingVMIsPlannedAsStayingPending(t *testing.T) {
	vmi := testVMI("vm-a", nil, "", "", "")
	vmi.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "node-1"}
	p := placementPlan(vmi)
	p.VMIs[0].SetRunStrategy(kvv1.RunStrategyAlways)
	p.SetDestinations(map[string]*corev1.Node{"node-2": placementNode("node-2", nil)})
	// pkg/printers' TestRenderMaintenancePlanOfAPinnedRestartingVM shows this.
	got, want := p.VMIs[0], "no node to go to: of node node-2, nodeSelector kubernetes.io/hostname=node-1 matches none of them"
	if got.Outcome != OutcomeRestart || got.NoPlace != want || p.Destinations == nil || len(p.Destinations) != 0 {
		t.Fatalf("outcome %s, no place %q, destinations %#v; want restart, no place:\n  %q", got.Outcome, got.NoPlace, p.Destinations, want)
	}
}
