package maintenance

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	kvv1 "kubevirt.io/api/core/v1"
)

// LabelSchedulable is the label virt-handler keeps on the nodes that can run VMs; every
// virt-launcher pod, migration targets included, selects it.
const LabelSchedulable = "kubevirt.io/schedulable"

// SetDestinations fills in where the plan's leaving VMs (those that migrate or restart) can
// go: of the nodes that stay schedulable outside the request (PreflightResult.Left), those that
// KubeVirt marks schedulable and that at least one of these VMs accepts, by its nodeSelector and
// its tolerations of the node's NoSchedule and NoExecute taints. An empty, non-nil result
// means they can go nowhere.
func (p *Plan) SetDestinations(left map[string]*corev1.Node) {
	p.Destinations = []string{}
	var leaving []*kvv1.VirtualMachineInstance
	for i, v := range p.VMIs {
		if v.Outcome == OutcomeMigrate || v.Outcome == OutcomeRestart {
			leaving = append(leaving, p.vmis[i])
		}
	}
	for name, n := range left {
		if n.Labels[LabelSchedulable] != "true" {
			continue
		}
		for _, vmi := range leaving {
			if fits(vmi, n) {
				p.Destinations = append(p.Destinations, name)
				break
			}
		}
	}
	sort.Strings(p.Destinations)
}

// Leaving tells whether any VM of the plan leaves the node (migrates or restarts elsewhere).
func (p *Plan) Leaving() bool {
	return len(p.With(OutcomeMigrate))+len(p.With(OutcomeRestart)) > 0
}

func fits(vmi *kvv1.VirtualMachineInstance, n *corev1.Node) bool {
	if !labels.SelectorFromSet(vmi.Spec.NodeSelector).Matches(labels.Set(n.Labels)) {
		return false
	}
	for i := range n.Spec.Taints {
		t := &n.Spec.Taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		tolerated := false
		for j := range vmi.Spec.Tolerations {
			if vmi.Spec.Tolerations[j].ToleratesTaint(t) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return false
		}
	}
	return true
}
