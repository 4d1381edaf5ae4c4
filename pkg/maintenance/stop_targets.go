package maintenance

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StopRequest is what `maintenance stop` was asked to end.
type StopRequest struct {
	Nodes []string
	All   bool
	// CancelEvacuations also accepts a node that is no longer in maintenance: a plain stop may
	// have left KubeVirt evacuating its VMs, and this is how to cancel that afterwards.
	CancelEvacuations bool
}

// StopTarget is one node stop releases, and how it is in maintenance.
type StopTarget struct {
	Node string
	// Maintenance is the node's NodeMaintenance; nil for a --method=drain node and for an
	// EvacuationsOnly one.
	Maintenance *NodeMaintenance
	// EvacuationsOnly: the node is not in maintenance; only its evacuations are cancelled.
	EvacuationsOnly bool
	// Evacuations are the VMs KubeVirt is still moving off the node, read before any change.
	Evacuations []Evacuation
}

// Drained tells whether the target is a --method=drain maintenance, which stop ends by
// patching the node rather than by deleting an object.
func (t StopTarget) Drained() bool { return t.Maintenance == nil && !t.EvacuationsOnly }

// StopTargets resolves every node of the request before anything is changed, so that one bad
// name changes nothing. A name that is not a node gets suggestions from the nodes in
// maintenance, the only ones stop can act on. With All and nothing in maintenance it returns
// no targets and no error.
func (c Clients) StopTargets(ctx context.Context, api *API, req StopRequest) ([]StopTarget, error) {
	inv, err := c.Inventory(ctx, api)
	if err != nil {
		return nil, err
	}
	var targets []StopTarget
	if req.All {
		for i := range inv.Objects {
			targets = append(targets, StopTarget{Node: inv.Objects[i].NodeName, Maintenance: &inv.Objects[i]})
		}
		for _, n := range inv.Drained {
			targets = append(targets, StopTarget{Node: n.Name})
		}
		sort.SliceStable(targets, func(i, j int) bool { return targets[i].Node < targets[j].Node })
	}
	for _, node := range req.Nodes {
		if nm, ok := inv.ForNode(node); ok {
			targets = append(targets, StopTarget{Node: node, Maintenance: &nm})
			continue
		}
		if inv.IsDrained(node) {
			targets = append(targets, StopTarget{Node: node})
			continue
		}
		if _, err := c.Kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); err != nil {
			// Only a missing node gets suggestions; any other failure (no access, a timeout)
			// is reported as itself, not as a typo.
			if !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("reading node %s: %w", node, err)
			}
			return nil, &NodeNotFoundError{Name: node, Suggestions: Suggest(node, inv.Nodes())}
		}
		if !req.CancelEvacuations {
			return nil, &NotInMaintenanceError{Node: node}
		}
		targets = append(targets, StopTarget{Node: node, EvacuationsOnly: true})
	}
	for i := range targets {
		if targets[i].Evacuations, err = Evacuations(ctx, c, targets[i].Node); err != nil {
			return nil, err
		}
	}
	return targets, nil
}
