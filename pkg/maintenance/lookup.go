package maintenance

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
)

// ListMaintenances reads every NodeMaintenance with one list request, sorted by node.
func ListMaintenances(ctx context.Context, dyn dynamic.Interface, api API) ([]NodeMaintenance, error) {
	list, err := dyn.Resource(api.GVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", api.GVR.GroupResource(), err)
	}
	out := make([]NodeMaintenance, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, FromUnstructured(&list.Items[i]))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].NodeName != out[j].NodeName {
			return out[i].NodeName < out[j].NodeName
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// ForNode finds the maintenance of a node by spec.nodeName: the object's name is whatever its
// creator chose (the console, YAML, this tool), so it is never guessed from the node name.
func ForNode(all []NodeMaintenance, node string) (NodeMaintenance, bool) {
	for _, nm := range all {
		if nm.NodeName == node {
			return nm, true
		}
	}
	return NodeMaintenance{}, false
}

// FindForNode lists and picks the node's maintenance.
func FindForNode(ctx context.Context, dyn dynamic.Interface, api API, node string) (NodeMaintenance, bool, error) {
	all, err := ListMaintenances(ctx, dyn, api)
	if err != nil {
		return NodeMaintenance{}, false, err
	}
	nm, ok := ForNode(all, node)
	return nm, ok, nil
}
