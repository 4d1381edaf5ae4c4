package printers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func strategy(s kvv1.EvictionStrategy) *kvv1.EvictionStrategy { return &s }

// testVMI builds a VMI on node-1 owned by a VirtualMachine, as pkg/maintenance's tests do, for
// maintenance.Classify to judge. migratable "" leaves the LiveMigratable condition out.
func testVMI(name string, s *kvv1.EvictionStrategy, migratable corev1.ConditionStatus, reason, msg string) *kvv1.VirtualMachineInstance {
	vmi := &kvv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "default", Name: name,
			Labels:          map[string]string{kvv1.NodeNameLabel: "node-1"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "VirtualMachine", Name: name, APIVersion: "kubevirt.io/v1"}},
		},
		Spec:   kvv1.VirtualMachineInstanceSpec{EvictionStrategy: s},
		Status: kvv1.VirtualMachineInstanceStatus{Phase: kvv1.Running, NodeName: "node-1"},
	}
	if migratable != "" {
		vmi.Status.Conditions = []kvv1.VirtualMachineInstanceCondition{{
			Type: kvv1.VirtualMachineInstanceIsMigratable, Status: migratable, Reason: reason, Message: msg,
		}}
	}
	return vmi
}
