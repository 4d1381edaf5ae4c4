package maintenance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kvv1 "kubevirt.io/api/core/v1"
)

// Evacuation is a VM that KubeVirt is still moving off a node after its maintenance ended:
// ending a maintenance uncordons the node, but a VMI keeps status.evacuationNodeName, and
// KubeVirt's evacuation controller keeps creating migrations for it (kubevirt issue 9585).
type Evacuation struct {
	Namespace, Name string
	// Marked: status.evacuationNodeName names the node.
	Marked bool
	// Migrations are its unfinished evacuation migrations from the node, oldest first.
	Migrations []EvacuationMigration
}

// Key is namespace/name.
func (e Evacuation) Key() string { return e.Namespace + "/" + e.Name }

// EvacuationMigration is one unfinished evacuation migration.
type EvacuationMigration struct {
	Name   string
	Phase  kvv1.VirtualMachineInstanceMigrationPhase
	Target string
}

// Pending tells a migration that has not started (KubeVirt holds it in Pending, for the
// parallel limits or its backoff) from one that already moves the VM.
func (m EvacuationMigration) Pending() bool {
	return m.Phase == "" || m.Phase == kvv1.MigrationPending
}

// Evacuations lists the VMs still being evacuated off the node: its VMIs marked with the node
// as their evacuation node, and those with an unfinished evacuation migration from it.
func Evacuations(ctx context.Context, c Clients, node string) ([]Evacuation, error) {
	vmis, err := VMIsOnNode(ctx, c.KubeVirt, node)
	if err != nil {
		return nil, err
	}
	byKey := map[string]*Evacuation{}
	namespaces := map[string]bool{}
	for i := range vmis {
		v := &vmis[i]
		if final(v.Status.Phase) {
			continue
		}
		e := &Evacuation{Namespace: v.Namespace, Name: v.Name, Marked: v.Status.EvacuationNodeName == node}
		byKey[e.Key()] = e
		namespaces[v.Namespace] = true
	}
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
		items := migs.Items
		sort.Slice(items, func(i, j int) bool {
			if !items[i].CreationTimestamp.Equal(&items[j].CreationTimestamp) {
				return items[i].CreationTimestamp.Before(&items[j].CreationTimestamp)
			}
			return items[i].Name < items[j].Name
		})
		for _, m := range items {
			e := byKey[ns+"/"+m.Spec.VMIName]
			if e == nil || MigrationFinal(m.Status.Phase) || m.Annotations[kvv1.EvacuationMigrationAnnotation] != node {
				continue
			}
			em := EvacuationMigration{Name: m.Name, Phase: m.Status.Phase}
			if ms := m.Status.MigrationState; ms != nil {
				em.Target = ms.TargetNode
			}
			e.Migrations = append(e.Migrations, em)
		}
	}
	var out []Evacuation
	for _, e := range byKey {
		if e.Marked || len(e.Migrations) > 0 {
			out = append(out, *e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, nil
}

func final(p kvv1.VirtualMachineInstancePhase) bool {
	return p == kvv1.Succeeded || p == kvv1.Failed
}

// CancelEvacuation does for one VM what `virtctl evacuate-cancel` (KubeVirt v1.7) does, clear
// status.evacuationNodeName with a JSON patch that first tests it still names this node, and
// deletes its evacuation migrations that are still Pending, which would otherwise move the VM
// anyway once KubeVirt starts them. Migrations past Pending are left to finish. It returns the
// migrations it deleted.
func CancelEvacuation(ctx context.Context, c Clients, node string, e Evacuation) ([]string, error) {
	if e.Marked {
		patch, err := json.Marshal([]map[string]any{
			{"op": "test", "path": "/status/evacuationNodeName", "value": node},
			{"op": "remove", "path": "/status/evacuationNodeName"},
		})
		if err != nil {
			return nil, err
		}
		_, err = c.KubeVirt.KubevirtV1().VirtualMachineInstances(e.Namespace).Patch(ctx, e.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
		// Gone, or no longer marked for this node (the test failed): nothing left to clear.
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err) && !apierrors.IsConflict(err) {
			return nil, fmt.Errorf("clearing the evacuation mark of VM %s: %w", e.Key(), err)
		}
	}
	var deleted []string
	for _, name := range e.PendingMigrations() {
		err := c.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(e.Namespace).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return deleted, fmt.Errorf("deleting the pending evacuation migration %s/%s: %w", e.Namespace, name, err)
		}
		deleted = append(deleted, name)
	}
	return deleted, nil
}

// PendingMigrations names the evacuation migrations CancelEvacuation deletes: those KubeVirt
// has not started. A dry run says it would delete these.
func (e Evacuation) PendingMigrations() []string {
	var names []string
	for _, m := range e.Migrations {
		if m.Pending() {
			names = append(names, m.Name)
		}
	}
	return names
}
