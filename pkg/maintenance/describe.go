package maintenance

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	kvv1 "kubevirt.io/api/core/v1"
)

// Description is the status model `maintenance describe` renders: everything about one node's
// maintenance, gathered first so the renderer is a pure function tested on exact text.
type Description struct {
	// API is empty for a --method=drain maintenance.
	API         string
	Method      Method
	Maintenance NodeMaintenance
	Node        *corev1.Node
	VMIs        []DescribedVMI
	Migrations  []DescribedMigration
	Events      []corev1.Event
}

// DescribedVMI is a VMI still on the node.
type DescribedVMI struct {
	Impact         VMIImpact
	MigrationState *kvv1.VirtualMachineInstanceMigrationState
}

// DescribedMigration is a VirtualMachineInstanceMigration of one of the node's VMIs that has not
// finished.
type DescribedMigration struct {
	Namespace, Name, VMI string
	Phase                string
	Target               string
	Created              metav1.Time
}

// MaxEvents bounds the events shown, newest kept.
const MaxEvents = 10

// Describe resolves arg as a NodeMaintenance name or a node name and gathers the model.
func Describe(ctx context.Context, c Clients, api *API, arg string) (*Description, error) {
	d := &Description{}
	var all []NodeMaintenance
	if api != nil {
		var err error
		all, _, err = ListMaintenances(ctx, c.Dynamic, *api)
		if err != nil {
			return nil, err
		}
		d.API = api.GVR.GroupResource().String() + "/" + api.GVR.Version
	}
	found := false
	for _, nm := range all {
		if nm.Name == arg {
			d.Maintenance, found = nm, true
			break
		}
	}
	if !found {
		d.Maintenance, found = ForNode(all, arg)
	}
	nodeName := arg
	if found {
		nodeName = d.Maintenance.NodeName
		d.Method = MethodOperator
	}
	node, err := c.Kube.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err) && !found:
		var names []string
		for _, nm := range all {
			names = append(names, nm.Name, nm.NodeName)
		}
		return nil, &NodeNotFoundError{Name: arg, Suggestions: Suggest(arg, names)}
	case apierrors.IsNotFound(err):
		// The NodeMaintenance outlived its node; describe it anyway.
	case err != nil:
		return nil, fmt.Errorf("reading node %s: %w", nodeName, err)
	default:
		d.Node = node
	}
	if !found {
		e, ok, err := DrainEntry(ctx, c, node)
		if !ok {
			return nil, &NotInMaintenanceError{Node: nodeName}
		}
		if err != nil {
			return nil, err
		}
		d.Method, d.API = MethodDrain, ""
		d.Maintenance = e.NodeMaintenance
	}

	clusterDefault, err := ClusterEvictionStrategy(ctx, c.KubeVirt)
	if err != nil {
		return nil, err
	}
	vmis, err := VMIsOnNode(ctx, c.KubeVirt, nodeName)
	if err != nil {
		return nil, err
	}
	impacts, err := ClassifyAll(ctx, c.KubeVirt, vmis, clusterDefault)
	if err != nil {
		return nil, err
	}
	namespaces := map[string]map[string]bool{}
	for i := range vmis {
		v := &vmis[i]
		d.VMIs = append(d.VMIs, DescribedVMI{Impact: impacts[i], MigrationState: v.Status.MigrationState})
		if namespaces[v.Namespace] == nil {
			namespaces[v.Namespace] = map[string]bool{}
		}
		namespaces[v.Namespace][v.Name] = true
	}
	// Migrations are read per namespace of the node's VMIs, not cluster-wide.
	nsList := make([]string, 0, len(namespaces))
	for ns := range namespaces {
		nsList = append(nsList, ns)
	}
	sort.Strings(nsList)
	for _, ns := range nsList {
		migs, err := c.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing migrations in %s: %w", ns, err)
		}
		for _, m := range migs.Items {
			if !namespaces[ns][m.Spec.VMIName] || migrationFinal(m.Status.Phase) {
				continue
			}
			dm := DescribedMigration{Namespace: m.Namespace, Name: m.Name, VMI: m.Spec.VMIName, Phase: string(m.Status.Phase), Created: m.CreationTimestamp}
			if ms := m.Status.MigrationState; ms != nil {
				dm.Target = ms.TargetNode
			}
			d.Migrations = append(d.Migrations, dm)
		}
	}
	sort.Slice(d.Migrations, func(i, j int) bool {
		return d.Migrations[i].Namespace+"/"+d.Migrations[i].Name < d.Migrations[j].Namespace+"/"+d.Migrations[j].Name
	})

	d.Events, err = recentEvents(ctx, c, d.Maintenance.Name, nodeName)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// recentEvents gathers the events about the NodeMaintenance and the node, newest last.
func recentEvents(ctx context.Context, c Clients, nmName, node string) ([]corev1.Event, error) {
	var selectors []string
	if nmName != "" {
		selectors = append(selectors, fields.Set{"involvedObject.kind": "NodeMaintenance", "involvedObject.name": nmName}.String())
	}
	selectors = append(selectors, fields.Set{"involvedObject.kind": "Node", "involvedObject.name": node}.String())
	var out []corev1.Event
	for _, sel := range selectors {
		list, err := c.Kube.CoreV1().Events(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			if apierrors.IsForbidden(err) {
				continue
			}
			return nil, fmt.Errorf("listing events: %w", err)
		}
		out = append(out, list.Items...)
	}
	sort.SliceStable(out, func(i, j int) bool { return eventTime(out[i]).Time.Before(eventTime(out[j]).Time) })
	if len(out) > MaxEvents {
		out = out[len(out)-MaxEvents:]
	}
	return out, nil
}

func eventTime(e corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.Time{Time: e.EventTime.Time}
	}
	return e.FirstTimestamp
}
