package vms

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// The VM controller mirrors virt-controller's VirtualMachine controller: it keeps a VMI of
// the VM's name in line with the run strategy (creating it from spec.template, deleting it
// when halted, replacing a finished one when the strategy wants it running) and reports
// printableStatus, ready, created and the Ready condition.

func newVMController(s *simulator) *loop {
	c := &vmController{s: s}
	l := newLoop("vm", c.sync)
	must2(s.vms.AddEventHandler(handlerFor(l.addObj)))
	must2(s.vmis.AddEventHandler(handlerFor(func(obj interface{}) {
		vmi, ok := unwrap(obj).(*virtv1.VirtualMachineInstance)
		if !ok {
			return
		}
		if ref := metav1.GetControllerOf(vmi); ref != nil && ref.Kind == "VirtualMachine" {
			l.add(vmi.Namespace + "/" + ref.Name)
		}
	})))
	return l
}

type vmController struct{ s *simulator }

// vmAction is what the run strategy asks of the VMI right now.
type vmAction int

const (
	vmKeep   vmAction = iota // leave things as they are
	vmCreate                 // create a VMI from the template
	vmDelete                 // delete the existing VMI
)

// decideVM mirrors the run-strategy table of KubeVirt's VM controller. vmi is the VMI the
// VM controls, nil when there is none.
func decideVM(strategy virtv1.VirtualMachineRunStrategy, vmi *virtv1.VirtualMachineInstance) vmAction {
	if vmi != nil && vmi.DeletionTimestamp != nil {
		return vmKeep // wait until it is gone; the VMI keeps its name
	}
	switch strategy {
	case virtv1.RunStrategyAlways:
		if vmi == nil {
			return vmCreate
		}
		if vmi.IsFinal() {
			return vmDelete // restarted once the old instance is gone
		}
	case virtv1.RunStrategyRerunOnFailure:
		if vmi == nil {
			return vmCreate
		}
		if vmi.Status.Phase == virtv1.Failed {
			return vmDelete
		}
	case virtv1.RunStrategyHalted:
		if vmi != nil {
			return vmDelete
		}
	}
	return vmKeep
}

func (c *vmController) sync(ctx context.Context, key string) error {
	vm := c.s.vm(key)
	if vm == nil || vm.DeletionTimestamp != nil {
		return nil // the garbage collector removes the VMI through its owner reference
	}
	vmi := c.s.vmi(key)
	if vmi != nil && !metav1.IsControlledBy(vmi, vm) {
		vmi = nil // same name, someone else's: KubeVirt does not adopt it either
	}
	strategy, err := vm.RunStrategy()
	if err != nil {
		// Real KubeVirt's webhook would have refused the spec; retrying cannot fix it.
		klog.Infof("vm %s: not acting on an invalid spec: %v", key, err)
		return nil
	}

	switch decideVM(strategy, vmi) {
	case vmCreate:
		if vm.Spec.Template == nil {
			return nil
		}
		created, err := c.s.virt.KubevirtV1().VirtualMachineInstances(vm.Namespace).Create(ctx, vmiFor(vm), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating VMI: %w", err)
		}
		if err == nil {
			klog.Infof("vm %s: started VMI (uid %s)", key, created.UID)
			vmi = created
		}
	case vmDelete:
		uid := vmi.UID
		err := c.s.virt.KubevirtV1().VirtualMachineInstances(vm.Namespace).Delete(ctx, vm.Name,
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting VMI: %w", err)
		}
		klog.Infof("vm %s: deleted VMI in phase %q (run strategy %s)", key, vmi.Status.Phase, strategy)
	}

	status := vmStatus(vm, vmi, strategy)
	if apiequality.Semantic.DeepEqual(status, vm.Status) {
		return nil
	}
	updated := vm.DeepCopy()
	updated.Status = status
	_, err = c.s.virt.KubevirtV1().VirtualMachines(vm.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	return err
}

// vmiFor builds the VMI the VM controller creates: the VM's name, the template's labels,
// annotations and spec, and the VM as controlling owner.
func vmiFor(vm *virtv1.VirtualMachine) *virtv1.VirtualMachineInstance {
	yes := true
	t := vm.Spec.Template
	return &virtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{
			Name:        vm.Name,
			Namespace:   vm.Namespace,
			Labels:      copyMap(t.ObjectMeta.Labels),
			Annotations: copyMap(t.ObjectMeta.Annotations),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion:         virtv1.GroupVersion.String(),
				Kind:               "VirtualMachine",
				Name:               vm.Name,
				UID:                vm.UID,
				Controller:         &yes,
				BlockOwnerDeletion: &yes,
			}},
		},
		Spec: *t.Spec.DeepCopy(),
	}
}

// vmStatus computes the VM's status from its VMI as KubeVirt reports it.
func vmStatus(vm *virtv1.VirtualMachine, vmi *virtv1.VirtualMachineInstance, strategy virtv1.VirtualMachineRunStrategy) virtv1.VirtualMachineStatus {
	st := *vm.Status.DeepCopy()
	st.Created = vmi != nil
	st.Ready = false
	st.PrintableStatus = printableStatus(vm, vmi, strategy)

	ready := virtv1.VirtualMachineCondition{
		Type:    virtv1.VirtualMachineReady,
		Status:  corev1.ConditionFalse,
		Reason:  "VMINotExists",
		Message: "VMI does not exist",
	}
	if vmi != nil {
		ready.Reason, ready.Message = "VMIConditionMissing", "VMI is missing the Ready condition"
		if c := vmiCondition(vmi, virtv1.VirtualMachineInstanceReady); c != nil {
			ready.Status, ready.Reason, ready.Message = c.Status, c.Reason, c.Message
			st.Ready = c.Status == corev1.ConditionTrue && vmi.Status.Phase == virtv1.Running
		}
	}
	st.Conditions = setVMCondition(st.Conditions, ready)
	return st
}

// printableStatus mirrors the subset of KubeVirt's printable statuses this simulator can
// reach.
func printableStatus(vm *virtv1.VirtualMachine, vmi *virtv1.VirtualMachineInstance, strategy virtv1.VirtualMachineRunStrategy) virtv1.VirtualMachinePrintableStatus {
	switch {
	case vm.DeletionTimestamp != nil:
		return virtv1.VirtualMachineStatusTerminating
	case vmi == nil:
		if strategy == virtv1.RunStrategyAlways || strategy == virtv1.RunStrategyRerunOnFailure {
			return virtv1.VirtualMachineStatusStarting
		}
		return virtv1.VirtualMachineStatusStopped
	case vmi.DeletionTimestamp != nil:
		return virtv1.VirtualMachineStatusStopping
	case vmi.IsFinal():
		return virtv1.VirtualMachineStatusStopped
	case vmi.Status.MigrationState != nil && vmi.Status.MigrationState.StartTimestamp != nil &&
		vmi.Status.MigrationState.EndTimestamp == nil:
		return virtv1.VirtualMachineStatusMigrating
	case vmi.Status.Phase == virtv1.Running:
		return virtv1.VirtualMachineStatusRunning
	}
	return virtv1.VirtualMachineStatusStarting
}

// setVMCondition replaces the condition of the same type, keeping its transition time
// when the status did not change.
func setVMCondition(conds []virtv1.VirtualMachineCondition, c virtv1.VirtualMachineCondition) []virtv1.VirtualMachineCondition {
	for i := range conds {
		if conds[i].Type != c.Type {
			continue
		}
		if conds[i].Status == c.Status && conds[i].Reason == c.Reason && conds[i].Message == c.Message {
			return conds
		}
		c.LastTransitionTime = metav1.Now()
		if conds[i].Status == c.Status {
			c.LastTransitionTime = conds[i].LastTransitionTime
		}
		conds[i] = c
		return conds
	}
	c.LastTransitionTime = metav1.Now()
	return append(conds, c)
}

func vmiCondition(vmi *virtv1.VirtualMachineInstance, t virtv1.VirtualMachineInstanceConditionType) *virtv1.VirtualMachineInstanceCondition {
	for i := range vmi.Status.Conditions {
		if vmi.Status.Conditions[i].Type == t {
			return &vmi.Status.Conditions[i]
		}
	}
	return nil
}

// must2 swallows the registration handle AddEventHandler returns.
func must2[T any](_ T, err error) { must(err) }
