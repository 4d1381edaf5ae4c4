package vms

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

func TestDecideVMFollowsTheRunStrategy(t *testing.T) {
	running := runningVMI("vm", "n1")
	failed := runningVMI("vm", "n1")
	failed.Status.Phase = virtv1.Failed
	succeeded := runningVMI("vm", "n1")
	succeeded.Status.Phase = virtv1.Succeeded
	deleting := runningVMI("vm", "n1")
	deleting.DeletionTimestamp = &metav1.Time{}

	cases := []struct {
		strategy virtv1.VirtualMachineRunStrategy
		vmi      *virtv1.VirtualMachineInstance
		want     vmAction
	}{
		{virtv1.RunStrategyAlways, nil, vmCreate},
		{virtv1.RunStrategyAlways, running, vmKeep},
		{virtv1.RunStrategyAlways, failed, vmDelete},
		{virtv1.RunStrategyAlways, succeeded, vmDelete},
		{virtv1.RunStrategyAlways, deleting, vmKeep},
		{virtv1.RunStrategyRerunOnFailure, nil, vmCreate},
		{virtv1.RunStrategyRerunOnFailure, failed, vmDelete},
		{virtv1.RunStrategyRerunOnFailure, succeeded, vmKeep},
		{virtv1.RunStrategyHalted, running, vmDelete},
		{virtv1.RunStrategyHalted, nil, vmKeep},
		{virtv1.RunStrategyManual, nil, vmKeep},
	}
	for _, c := range cases {
		phase := "none"
		if c.vmi != nil {
			phase = string(c.vmi.Status.Phase)
		}
		if got := decideVM(c.strategy, c.vmi); got != c.want {
			t.Errorf("%s with VMI %s: got %d, want %d", c.strategy, phase, got, c.want)
		}
	}
}

func TestVMIForCopiesTheTemplateAndPointsAtTheVM(t *testing.T) {
	vm := &virtv1.VirtualMachine{
		ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns", UID: "vm-uid"},
		Spec: virtv1.VirtualMachineSpec{Template: &virtv1.VirtualMachineInstanceTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "db"}, Annotations: map[string]string{"a": "b"}},
			Spec:       virtv1.VirtualMachineInstanceSpec{NodeSelector: map[string]string{"zone": "x"}},
		}},
	}
	vmi := vmiFor(vm)
	ref := metav1.GetControllerOf(vmi)
	if vmi.Name != "vm" || vmi.Namespace != "ns" || ref == nil || ref.Kind != "VirtualMachine" || ref.UID != "vm-uid" {
		t.Fatalf("identity/owner wrong: %+v %+v", vmi.ObjectMeta, ref)
	}
	if vmi.Labels["app"] != "db" || vmi.Annotations["a"] != "b" || vmi.Spec.NodeSelector["zone"] != "x" {
		t.Fatalf("template not copied: %+v %+v", vmi.ObjectMeta, vmi.Spec)
	}
}

func TestVMStatusFromItsVMI(t *testing.T) {
	vm := &virtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Name: "vm", Namespace: "ns"}}

	st := vmStatus(vm, nil, virtv1.RunStrategyHalted)
	if st.PrintableStatus != virtv1.VirtualMachineStatusStopped || st.Created || st.Ready ||
		st.Conditions[0].Reason != "VMINotExists" {
		t.Fatalf("no VMI: %+v", st)
	}

	vmi := runningVMI("vm", "n1")
	vmi.Status.Conditions = []virtv1.VirtualMachineInstanceCondition{{Type: virtv1.VirtualMachineInstanceReady, Status: corev1.ConditionTrue}}
	st = vmStatus(vm, vmi, virtv1.RunStrategyAlways)
	if st.PrintableStatus != virtv1.VirtualMachineStatusRunning || !st.Created || !st.Ready ||
		st.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("running VMI: %+v", st)
	}

	start := metav1.Now()
	vmi.Status.MigrationState = &virtv1.VirtualMachineInstanceMigrationState{StartTimestamp: &start}
	if got := vmStatus(vm, vmi, virtv1.RunStrategyAlways).PrintableStatus; got != virtv1.VirtualMachineStatusMigrating {
		t.Fatalf("migrating VMI: got %s", got)
	}

	pending := runningVMI("vm", "")
	pending.Status.Phase = virtv1.Scheduling
	if got := vmStatus(vm, pending, virtv1.RunStrategyAlways).PrintableStatus; got != virtv1.VirtualMachineStatusStarting {
		t.Fatalf("scheduling VMI: got %s", got)
	}
}
