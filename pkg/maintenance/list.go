package maintenance

import (
	"context"
	"fmt"
	"io"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/kubectl/pkg/drain"
)

// ListEntry is one row of `maintenance list`.
type ListEntry struct {
	NodeMaintenance
	Method Method
	// VMs still on the node, filled for -o wide only.
	VMs []string
}

// ListResult holds the rows and, for -o json|yaml|name, the NodeMaintenance objects as read.
type ListResult struct {
	Entries []ListEntry
	Objects *unstructured.UnstructuredList
}

// List reads every maintenance from the Inventory: one list request for the NodeMaintenance
// resources (when the API is served) and one label-selected node list for --method=drain
// maintenances. With wide, each row's VMs are read with a label-selected request for its node
// only.
func List(ctx context.Context, c Clients, api *API, wide bool) (*ListResult, error) {
	inv, err := c.Inventory(ctx, api)
	if err != nil {
		return nil, err
	}
	res := &ListResult{Objects: inv.ObjectList}
	// Sorted by node below: an object comes before a --method=drain row of the same node.
	for _, nm := range inv.Objects {
		res.Entries = append(res.Entries, ListEntry{NodeMaintenance: nm, Method: MethodOperator})
	}
	for _, n := range inv.Drained {
		e, ok, err := DrainEntry(ctx, c, n)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Entries = append(res.Entries, e)
		}
	}
	sort.SliceStable(res.Entries, func(i, j int) bool { return res.Entries[i].NodeName < res.Entries[j].NodeName })
	if wide {
		for i := range res.Entries {
			if err := AddVMs(ctx, c, &res.Entries[i]); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// DrainEntry is the maintenance of a node put into it with --method=drain; ok is false for a
// node that is not (or no longer) in such a maintenance. Nothing records this method's
// progress (oc-cnv drained the node itself), so the pods still to evict, the ones that block
// the drain, are read from the node now: they decide the phase and are its pending pods.
func DrainEntry(ctx context.Context, c Clients, n *corev1.Node) (e ListEntry, ok bool, err error) {
	info, ok := DrainedBy(n)
	if !ok {
		return ListEntry{}, false, nil
	}
	left, err := evictablePods(ctx, c, n.Name)
	if err != nil {
		return ListEntry{}, true, err
	}
	nm := AsMaintenance(n, info, len(left))
	nm.PendingPods = left
	return ListEntry{NodeMaintenance: nm, Method: MethodDrain}, true, nil
}

// AddVMs fills the entry's VMs for -o wide, with a label-selected request for its node only.
func AddVMs(ctx context.Context, c Clients, e *ListEntry) error {
	vmis, err := VMIsOnNode(ctx, c.KubeVirt, e.NodeName)
	if err != nil {
		return err
	}
	e.VMs = nil
	for _, v := range vmis {
		e.VMs = append(e.VMs, v.Namespace+"/"+v.Name)
	}
	return nil
}

// evictablePods names (namespace/name) the pods a drain would still evict from the node, with
// the drain method's settings.
func evictablePods(ctx context.Context, c Clients, node string) ([]string, error) {
	h := &drain.Helper{Ctx: ctx, Client: c.Kube, Force: true, IgnoreAllDaemonSets: true, DeleteEmptyDirData: true, Out: io.Discard, ErrOut: io.Discard}
	list, errs := h.GetPodsForDeletion(node)
	if len(errs) > 0 {
		return nil, fmt.Errorf("listing the pods on node %s: %w", node, errs[0])
	}
	var names []string
	for _, p := range list.Pods() {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names, nil
}
