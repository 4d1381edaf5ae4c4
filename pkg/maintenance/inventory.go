package maintenance

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// Inventory says which nodes are in maintenance and by which method, as read at one moment.
// A node can be in maintenance two ways that no single object records: a NodeMaintenance of
// whichever API the cluster serves (the operator method), or oc-cnv's own label on the node
// (--method=drain, for clusters without the operator). Every command that asks "is this node in
// maintenance" reads this one answer, so that start, stop, list and completion never disagree.
type Inventory struct {
	// API is what Objects were read from; nil when the cluster serves no NodeMaintenance API,
	// and then only Drained can hold anything.
	API *API
	// Objects are the NodeMaintenance objects, sorted by node and then by name.
	Objects []NodeMaintenance
	// ObjectList is Objects as the server returned them, for -o json|yaml|name: printing the
	// list keeps its kind and resourceVersion as kubectl get shows them.
	ObjectList *unstructured.UnstructuredList
	// Drained are the nodes put into maintenance with --method=drain, sorted by name.
	Drained []*corev1.Node
}

// Inventory reads every maintenance with one list request per method: the NodeMaintenance
// objects (when api is not nil) and the nodes carrying the --method=drain label, selected by
// the server so that a large cluster's other nodes are never transferred.
func (c Clients) Inventory(ctx context.Context, api *API) (*Inventory, error) {
	inv, err := c.readObjects(ctx, api)
	if err != nil {
		return nil, err
	}
	nodes, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: DrainSelector()})
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	inv.addDrained(nodes.Items)
	return inv, nil
}

// inventoryOf is Inventory for a caller that has just listed every node: the drained ones are
// picked from that list rather than asked for again.
func (c Clients) inventoryOf(ctx context.Context, api *API, allNodes []corev1.Node) (*Inventory, error) {
	inv, err := c.readObjects(ctx, api)
	if err != nil {
		return nil, err
	}
	inv.addDrained(allNodes)
	return inv, nil
}

func (c Clients) readObjects(ctx context.Context, api *API) (*Inventory, error) {
	inv := &Inventory{API: api, ObjectList: &unstructured.UnstructuredList{}}
	if api == nil {
		return inv, nil
	}
	list, err := c.Dynamic.Resource(api.GVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", api.GVR.GroupResource(), err)
	}
	inv.ObjectList = list
	inv.Objects = make([]NodeMaintenance, 0, len(list.Items))
	for i := range list.Items {
		inv.Objects = append(inv.Objects, FromUnstructured(&list.Items[i]))
	}
	sort.SliceStable(inv.Objects, func(i, j int) bool {
		if inv.Objects[i].NodeName != inv.Objects[j].NodeName {
			return inv.Objects[i].NodeName < inv.Objects[j].NodeName
		}
		return inv.Objects[i].Name < inv.Objects[j].Name
	})
	return inv, nil
}

// addDrained keeps the nodes of the list that carry the --method=drain label; the rest of the
// list (a full node list) is not kept.
func (inv *Inventory) addDrained(nodes []corev1.Node) {
	for i := range nodes {
		if _, ok := DrainedBy(&nodes[i]); ok {
			inv.Drained = append(inv.Drained, &nodes[i])
		}
	}
	sort.SliceStable(inv.Drained, func(i, j int) bool { return inv.Drained[i].Name < inv.Drained[j].Name })
}

// DrainSelector selects the nodes drainmethod.MarkNode labelled, so that listing and watching
// them reads no other node.
func DrainSelector() string {
	return labels.Set{LabelMaintenance: string(MethodDrain)}.AsSelector().String()
}

// ForNode finds the node's NodeMaintenance by spec.nodeName: the object's name is whatever its
// creator chose (the console, YAML, this tool), so it is never guessed from the node name.
func (inv *Inventory) ForNode(node string) (NodeMaintenance, bool) {
	for _, nm := range inv.Objects {
		if nm.NodeName == node {
			return nm, true
		}
	}
	return NodeMaintenance{}, false
}

// IsDrained tells whether the node is in a --method=drain maintenance.
func (inv *Inventory) IsDrained(node string) bool {
	return inv.drainedNode(node) != nil
}

func (inv *Inventory) drainedNode(node string) *corev1.Node {
	for _, n := range inv.Drained {
		if n.Name == node {
			return n
		}
	}
	return nil
}

// InMaintenance tells whether the node is in maintenance by either method.
func (inv *Inventory) InMaintenance(node string) bool {
	_, ok := inv.ForNode(node)
	return ok || inv.IsDrained(node)
}

// Nodes names every node in maintenance, by either method, sorted and each once.
func (inv *Inventory) Nodes() []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, nm := range inv.Objects {
		add(nm.NodeName)
	}
	for _, n := range inv.Drained {
		add(n.Name)
	}
	sort.Strings(out)
	return out
}
