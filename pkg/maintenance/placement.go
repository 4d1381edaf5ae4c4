package maintenance

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	kvv1 "kubevirt.io/api/core/v1"
)

// LabelSchedulable is the label virt-handler keeps on the nodes that can run VMs; every
// virt-launcher pod, migration targets included, selects it (kubevirt
// pkg/virt-controller/services/nodeselectorrenderer.go).
const LabelSchedulable = kvv1.NodeSchedulable

// A VM leaving the node needs a node that KubeVirt's scheduler constraints allow: the
// launcher pod's nodeSelector (the VM's plus kubevirt.io/schedulable=true), its required node
// affinity and its tolerations of NoSchedule/NoExecute taints. A live migration to nowhere
// never ends: its target pod stays Pending until KubeVirt gives up, and the drain waits. So a
// migrating VM with no such node blocks the drain, and the plan says which constraint pins it.
// Pod (anti-)affinity and resources depend on what else runs and are left to the wait, which
// reports an unschedulable migration as stalled.

// SetDestinations fills in where the plan's leaving VMs (those that migrate or restart) can
// go, of the nodes that stay schedulable outside the request (PreflightResult.Left), and marks
// each leaving VM that has none: a migrating one then blocks the drain. An empty, non-nil
// Destinations means none of them can go anywhere.
func (p *Plan) SetDestinations(left map[string]*corev1.Node) {
	candidates := kubevirtNodes(left)
	dest := map[string]bool{}
	for i := range p.VMIs {
		v := &p.VMIs[i]
		if v.Outcome != OutcomeMigrate && v.Outcome != OutcomeRestart && v.NoPlace == "" {
			continue
		}
		vmi := p.vmis[i]
		fit := 0
		for _, n := range candidates {
			if fits(vmi, n) {
				dest[n.Name] = true
				fit++
			}
		}
		v.NoPlace = ""
		if fit == 0 {
			v.NoPlace = noPlaceReason(vmi, left, candidates)
			if v.Outcome == OutcomeMigrate {
				v.Outcome = OutcomeBlock
			}
		} else if v.Outcome == OutcomeBlock {
			// A second call with other nodes: the VM may go again.
			v.Outcome = OutcomeMigrate
		}
	}
	p.Destinations = make([]string, 0, len(dest))
	for name := range dest {
		p.Destinations = append(p.Destinations, name)
	}
	sort.Strings(p.Destinations)
}

// Leaving tells whether any VM of the plan leaves the node (migrates or restarts elsewhere).
func (p *Plan) Leaving() bool {
	return len(p.With(OutcomeMigrate))+len(p.With(OutcomeRestart)) > 0
}

// kubevirtNodes are the nodes of left that KubeVirt lets run VMs, by name.
func kubevirtNodes(left map[string]*corev1.Node) []*corev1.Node {
	var out []*corev1.Node
	for _, n := range left {
		if n.Labels[LabelSchedulable] == "true" {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func fits(vmi *kvv1.VirtualMachineInstance, n *corev1.Node) bool {
	return selectorFits(vmi, n) && affinityFits(vmi, n) && untolerated(vmi, n) == nil
}

func selectorFits(vmi *kvv1.VirtualMachineInstance, n *corev1.Node) bool {
	return labels.SelectorFromSet(vmi.Spec.NodeSelector).Matches(labels.Set(n.Labels))
}

// affinityFits applies the required node affinity as the scheduler does (terms ORed, each
// term's expressions and fields ANDed).
func affinityFits(vmi *kvv1.VirtualMachineInstance, n *corev1.Node) bool {
	a := vmi.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	ok, err := nodeaffinity.NewLazyErrorNodeSelector(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution).Match(n)
	return err == nil && ok
}

// untolerated is the first NoSchedule or NoExecute taint of the node the VM does not tolerate.
func untolerated(vmi *kvv1.VirtualMachineInstance, n *corev1.Node) *corev1.Taint {
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
			return t
		}
	}
	return nil
}

// noPlaceReason names the constraint that leaves the VM no node: the one that alone rules out
// every candidate, else all of them together.
func noPlaceReason(vmi *kvv1.VirtualMachineInstance, left map[string]*corev1.Node, candidates []*corev1.Node) string {
	if len(candidates) == 0 {
		if len(left) == 0 {
			return "no other node is Ready and schedulable"
		}
		return fmt.Sprintf("no other Ready, schedulable node is labelled %s=true (%s)", LabelSchedulable, nodeNames(sortedNodes(left)))
	}
	var reasons []string
	if none(candidates, func(n *corev1.Node) bool { return selectorFits(vmi, n) }) {
		reasons = append(reasons, "nodeSelector "+labels.SelectorFromSet(vmi.Spec.NodeSelector).String()+" matches none of them")
	}
	if none(candidates, func(n *corev1.Node) bool { return affinityFits(vmi, n) }) {
		reasons = append(reasons, "required node affinity "+affinityText(vmi)+" matches none of them")
	}
	if none(candidates, func(n *corev1.Node) bool { return untolerated(vmi, n) == nil }) {
		var taints []string
		for _, n := range candidates {
			t := untolerated(vmi, n)
			taints = append(taints, fmt.Sprintf("%s on %s", taintText(t), n.Name))
		}
		reasons = append(reasons, "it tolerates none of their taints ("+strings.Join(taints, ", ")+")")
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "its nodeSelector, node affinity and tolerations together rule out each of them")
	}
	return fmt.Sprintf("no node to go to: of %s, %s", nodeNames(candidates), strings.Join(reasons, "; "))
}

func none(nodes []*corev1.Node, ok func(*corev1.Node) bool) bool {
	for _, n := range nodes {
		if ok(n) {
			return false
		}
	}
	return true
}

func sortedNodes(m map[string]*corev1.Node) []*corev1.Node {
	out := make([]*corev1.Node, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// nodeNames lists a few nodes by name and counts the rest, so a big cluster gives one line.
func nodeNames(nodes []*corev1.Node) string {
	const shown = 3
	var names []string
	for i, n := range nodes {
		if i == shown {
			names = append(names, fmt.Sprintf("%d more", len(nodes)-shown))
			break
		}
		names = append(names, n.Name)
	}
	if len(nodes) == 1 {
		return "node " + names[0]
	}
	return "nodes " + strings.Join(names, ", ")
}

func taintText(t *corev1.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + string(t.Effect)
}

// affinityText renders required node affinity terms the way an admin wrote them, compactly:
// "zone In (a,b)" with terms joined by " or ".
func affinityText(vmi *kvv1.VirtualMachineInstance) string {
	var terms []string
	for _, term := range vmi.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		var parts []string
		for _, e := range term.MatchExpressions {
			parts = append(parts, requirementText(e))
		}
		for _, e := range term.MatchFields {
			parts = append(parts, requirementText(e))
		}
		terms = append(terms, strings.Join(parts, ", "))
	}
	return "(" + strings.Join(terms, ") or (") + ")"
}

func requirementText(e corev1.NodeSelectorRequirement) string {
	switch e.Operator {
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		return e.Key + " " + string(e.Operator)
	}
	return fmt.Sprintf("%s %s (%s)", e.Key, e.Operator, strings.Join(e.Values, ","))
}
