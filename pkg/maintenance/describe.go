package maintenance

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
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
	// QueuePos and QueueLen: its migration waits in Pending, QueuePos-th of QueueLen (queue.go);
	// zero otherwise.
	QueuePos, QueueLen int
}

// DescribedMigration is a VirtualMachineInstanceMigration of one of the node's VMIs that has not
// finished.
type DescribedMigration struct {
	Namespace, Name, VMI string
	Phase                string
	Target               string
	Created              metav1.Time
	// QueuePos and QueueLen: as DescribedVMI's, for a migration waiting in Pending.
	QueuePos, QueueLen int
	// TargetPod and Unschedulable: a target pod the scheduler cannot place, with its reason.
	TargetPod, Unschedulable string

	uid types.UID
}

// MaxEvents bounds the events shown, newest kept.
const MaxEvents = 10

// Describe resolves arg as a NodeMaintenance name or a node name and gathers the model.
func Describe(ctx context.Context, c Clients, api *API, arg string) (*Description, error) {
	d := &Description{}
	// The NodeMaintenance objects only: a --method=drain node is read below by name, and a
	// name that matches nothing is suggested from objects and their nodes.
	objs, err := c.readObjects(ctx, api)
	if err != nil {
		return nil, err
	}
	all := objs.Objects
	if api != nil {
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
		d.Maintenance, found = objs.ForNode(arg)
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
	// One list of every migration: those that moved VMs off the node may be in namespaces
	// where no VMI is left on it.
	migs, err := c.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("listing migrations: %w", err)
	}
	fromNode := map[string]bool{}
	vmisOfNode := map[string]bool{}
	for ns, names := range namespaces {
		for name := range names {
			vmisOfNode[ns+"/"+name] = true
		}
	}
	var queue []*kvv1.VirtualMachineInstanceMigration
	if migs != nil {
		for i := range migs.Items {
			m := &migs.Items[i]
			onNode := namespaces[m.Namespace][m.Spec.VMIName]
			if onNode || m.Annotations[kvv1.EvacuationMigrationAnnotation] == nodeName ||
				(m.Status.MigrationState != nil && m.Status.MigrationState.SourceNode == nodeName) {
				fromNode[m.Namespace+"/"+m.Name] = true
				vmisOfNode[m.Namespace+"/"+m.Spec.VMIName] = true
			}
			if !onNode || MigrationFinal(m.Status.Phase) {
				continue
			}
			queue = append(queue, m)
			dm := DescribedMigration{Namespace: m.Namespace, Name: m.Name, VMI: m.Spec.VMIName, Phase: string(m.Status.Phase), Created: m.CreationTimestamp, uid: m.UID}
			if ms := m.Status.MigrationState; ms != nil {
				dm.Target = ms.TargetNode
			}
			d.Migrations = append(d.Migrations, dm)
		}
	}
	pos, queued := QueuePositions(queue)
	for i := range d.Migrations {
		m := &d.Migrations[i]
		if p := pos[m.Namespace+"/"+m.VMI]; p > 0 && (m.Phase == "" || m.Phase == string(kvv1.MigrationPending)) {
			m.QueuePos, m.QueueLen = p, queued
		}
	}
	for i := range d.VMIs {
		v := &d.VMIs[i]
		if p := pos[v.Impact.Key()]; p > 0 {
			v.QueuePos, v.QueueLen = p, queued
		}
	}
	if err := markUnschedulableTargets(ctx, c, d.Migrations); err != nil {
		return nil, err
	}
	// Those moving VMs first, by name; then those waiting, in the order they will start.
	sort.Slice(d.Migrations, func(i, j int) bool {
		a, b := d.Migrations[i], d.Migrations[j]
		if (a.QueuePos > 0) != (b.QueuePos > 0) {
			return a.QueuePos == 0
		}
		if a.QueuePos != b.QueuePos {
			return a.QueuePos < b.QueuePos
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})

	d.Events, err = recentEvents(ctx, c, d.Maintenance.Name, nodeName)
	if err != nil {
		return nil, err
	}
	migEvents, err := migrationEvents(ctx, c, fromNode, vmisOfNode)
	if err != nil {
		return nil, err
	}
	d.Events = append(d.Events, migEvents...)
	sortEvents(d.Events)
	return d, nil
}

// MaxMigrationEvents bounds the VMs' migration events shown, newest kept.
const MaxMigrationEvents = 20

// migrationEvents gathers the events of the node's migrations (VMIM) and the migration
// events of their VMs (VMI): how the VMs left the node, which the NodeMaintenance's own events
// do not tell.
func migrationEvents(ctx context.Context, c Clients, migs, vmis map[string]bool) ([]corev1.Event, error) {
	if len(migs) == 0 && len(vmis) == 0 {
		return nil, nil
	}
	var out []corev1.Event
	for kind, keep := range map[string]func(corev1.Event) bool{
		"VirtualMachineInstanceMigration": func(e corev1.Event) bool {
			return migs[e.InvolvedObject.Namespace+"/"+e.InvolvedObject.Name]
		},
		"VirtualMachineInstance": func(e corev1.Event) bool {
			return vmis[e.InvolvedObject.Namespace+"/"+e.InvolvedObject.Name] && migrationReason(e)
		},
	} {
		sel := fields.Set{"involvedObject.kind": kind}.String()
		list, err := c.Kube.CoreV1().Events(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			if apierrors.IsForbidden(err) {
				continue
			}
			return nil, fmt.Errorf("listing events: %w", err)
		}
		for _, e := range list.Items {
			// Checked here too, in case a server (or a fake) ignored the field selector.
			if e.InvolvedObject.Kind == kind && keep(e) {
				out = append(out, e)
			}
		}
	}
	sortEvents(out)
	if len(out) > MaxMigrationEvents {
		out = out[len(out)-MaxMigrationEvents:]
	}
	return out, nil
}

// migrationReason keeps a VMI's events about migrating: KubeVirt's evacuation controller
// creating a migration, virt-handler's Migrating and Migrated, a failed migration.
func migrationReason(e corev1.Event) bool {
	switch e.Reason {
	case "Migrating", "Migrated", "FailedMigration":
		return true
	case "SuccessfulCreate", "FailedCreate":
		return strings.Contains(e.Message, "Migration")
	}
	return false
}

// sortEvents orders events oldest first. Event times have whole seconds, so events of the
// same second keep the order the API server stored them in (their resourceVersion), which is
// the order their recorder sent them.
func sortEvents(events []corev1.Event) {
	sort.SliceStable(events, func(i, j int) bool {
		ti, tj := EventTime(events[i]).Time, EventTime(events[j]).Time
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		ri, erri := strconv.ParseUint(events[i].ResourceVersion, 10, 64)
		rj, errj := strconv.ParseUint(events[j].ResourceVersion, 10, 64)
		if erri == nil && errj == nil {
			return ri < rj
		}
		return false
	})
}

// recentEvents gathers the events about the NodeMaintenance and the node, newest last.
func recentEvents(ctx context.Context, c Clients, nmName, node string) ([]corev1.Event, error) {
	var selectors []fields.Set
	if nmName != "" {
		selectors = append(selectors, fields.Set{"involvedObject.kind": "NodeMaintenance", "involvedObject.name": nmName})
	}
	selectors = append(selectors, fields.Set{"involvedObject.kind": "Node", "involvedObject.name": node})
	var out []corev1.Event
	for _, set := range selectors {
		sel := set.String()
		list, err := c.Kube.CoreV1().Events(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			if apierrors.IsForbidden(err) {
				continue
			}
			return nil, fmt.Errorf("listing events: %w", err)
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Kind == set["involvedObject.kind"] && e.InvolvedObject.Name == set["involvedObject.name"] {
				out = append(out, e)
			}
		}
	}
	sortEvents(out)
	if len(out) > MaxEvents {
		out = out[len(out)-MaxEvents:]
	}
	return out, nil
}

// EventTime is when an event last happened, whichever of its timestamps its recorder set.
// describe orders events by it here and shows their age by it in pkg/printers.
func EventTime(e corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.Time{Time: e.EventTime.Time}
	}
	return e.FirstTimestamp
}

// markUnschedulableTargets finds, with one label-selected list whatever the number of VMs, the
// target pods of the migrations in flight that the scheduler cannot place.
func markUnschedulableTargets(ctx context.Context, c Clients, migs []DescribedMigration) error {
	if len(migs) == 0 {
		return nil
	}
	pods, err := c.Kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: kvv1.MigrationJobLabel})
	if err != nil {
		return fmt.Errorf("listing migration target pods: %w", err)
	}
	for i := range migs {
		for j := range pods.Items {
			pod := &pods.Items[j]
			if types.UID(pod.Labels[kvv1.MigrationJobLabel]) != migs[i].uid {
				continue
			}
			if reason, ok := PodUnschedulable(pod); ok {
				migs[i].TargetPod, migs[i].Unschedulable = pod.Name, reason
			}
		}
	}
	return nil
}
