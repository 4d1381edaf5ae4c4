// Package maintenancetest holds the fixtures that the tests of pkg/maintenance, of its
// subpackages follow and drainmethod, and of its renderers in pkg/printers share, so that all
// judge the same objects. Only tests import it. It imports none of those packages, so that
// pkg/maintenance's own tests can use it.
package maintenancetest

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"
)

// Strategy is a pointer to s, as a VMI's spec.evictionStrategy holds it.
func Strategy(s kvv1.EvictionStrategy) *kvv1.EvictionStrategy { return &s }

// VMI is a running VMI named name in namespace default on node-1, owned by a VirtualMachine of
// the same name. migratable "" leaves the LiveMigratable condition out.
func VMI(name string, s *kvv1.EvictionStrategy, migratable corev1.ConditionStatus, reason, msg string) *kvv1.VirtualMachineInstance {
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
