package maintenance

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Method is how a node is put into maintenance.
type Method string

const (
	// MethodOperator creates a NodeMaintenance and lets the operator drain.
	MethodOperator Method = "operator"
	// MethodDrain cordons, taints and drains from this process, for clusters without the operator.
	MethodDrain Method = "drain"
)

// NodeNotFoundError names the missing node and the closest existing names.
type NodeNotFoundError struct {
	Name        string
	Suggestions []string
}

func (e *NodeNotFoundError) Error() string {
	msg := fmt.Sprintf("node %q not found", e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(e.Suggestions), " or ") + "?"
	}
	return msg
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// ForbiddenError says which permission the user lacks, checked before writing anything.
type ForbiddenError struct {
	Verb, Resource, Reason string
}

func (e *ForbiddenError) Error() string {
	msg := fmt.Sprintf("you are not allowed to %s %s", e.Verb, e.Resource)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// Hint points at the documented requirement.
func (e *ForbiddenError) Hint() string {
	return "node maintenance requires cluster-admin; ask an administrator or log in as one"
}

// CapacityError means that no schedulable node would be left for the evicted workloads.
type CapacityError struct {
	Nodes []string
}

func (e *CapacityError) Error() string {
	return fmt.Sprintf("no schedulable node would remain outside %s to receive the evicted VMs and pods; "+
		"this cannot be overridden, not even with --force: the drain would evict them with nowhere to run, so it could never finish. "+
		"Make another node schedulable (uncordon it, or add one) first", strings.Join(e.Nodes, ", "))
}

// PreflightResult is what the checks learned, reused by the plan and the start.
type PreflightResult struct {
	Nodes map[string]*corev1.Node
	// Inventory holds the maintenances already in place, of the request's nodes and the others.
	Inventory *Inventory
	// SchedulableLeft are the nodes that stay schedulable; Left holds them by name.
	SchedulableLeft []string
	Left            map[string]*corev1.Node
}

// InMaintenance tells whether a node is already under maintenance by either method.
func (r *PreflightResult) InMaintenance(node string) bool {
	return r.Inventory.InMaintenance(node)
}

// Preflight checks, before anything is written, that every node exists, which ones are already
// in maintenance, that the user may do the writes, and that workloads have somewhere to go.
// api is nil with MethodDrain.
func Preflight(ctx context.Context, c Clients, api *API, method Method, nodes []string) (*PreflightResult, error) {
	nodeList, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	res := &PreflightResult{Nodes: map[string]*corev1.Node{}, Left: map[string]*corev1.Node{}}
	byName := map[string]*corev1.Node{}
	var names []string
	for i := range nodeList.Items {
		n := &nodeList.Items[i]
		byName[n.Name] = n
		names = append(names, n.Name)
	}
	for _, name := range nodes {
		n, ok := byName[name]
		if !ok {
			return nil, &NodeNotFoundError{Name: name, Suggestions: Suggest(name, names)}
		}
		res.Nodes[name] = n
	}

	// Every node was just listed, so the drained ones are picked from that list.
	if res.Inventory, err = c.inventoryOf(ctx, api, nodeList.Items); err != nil {
		return nil, err
	}

	toStart := 0
	for _, name := range nodes {
		if !res.InMaintenance(name) {
			toStart++
		}
	}
	needWrite := toStart > 0
	if needWrite {
		ops := []Op{OpStartOperator}
		if method == MethodDrain {
			ops = []Op{OpStartDrain}
		}
		if toStart > 1 {
			ops = append(ops, OpCordonRequest)
		}
		if err := CheckAccess(ctx, c, api, ops...); err != nil {
			return nil, err
		}
	}

	// Capacity: count the nodes that will still take workloads once the whole set is drained.
	out := map[string]bool{}
	for _, n := range nodes {
		out[n] = true
	}
	for _, n := range res.Inventory.Nodes() {
		out[n] = true
	}
	for i := range nodeList.Items {
		n := &nodeList.Items[i]
		if out[n.Name] || !schedulable(n) {
			continue
		}
		res.SchedulableLeft = append(res.SchedulableLeft, n.Name)
		res.Left[n.Name] = n
	}
	sort.Strings(res.SchedulableLeft)
	if len(res.SchedulableLeft) == 0 && needWrite {
		sorted := append([]string(nil), nodes...)
		sort.Strings(sorted)
		return nil, &CapacityError{Nodes: sorted}
	}
	return res, nil
}

// schedulable: not cordoned, Ready, and without a NoSchedule/NoExecute taint that every pod
// would have to tolerate (the maintenance taints among them).
func schedulable(n *corev1.Node) bool {
	if n.Spec.Unschedulable {
		return false
	}
	ready := false
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	if !ready {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			if isMaintenanceTaint(t.Key) || t.Key == corev1.TaintNodeUnschedulable || strings.HasPrefix(t.Key, "node-role.kubernetes.io/") {
				return false
			}
		}
	}
	return true
}
