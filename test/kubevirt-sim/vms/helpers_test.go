package vms

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"
)

// Builders shared by the unit tests.

func strategyPtr(s virtv1.EvictionStrategy) *virtv1.EvictionStrategy { return &s }

func runningVMI(name, node string) *virtv1.VirtualMachineInstance {
	return &virtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: types.UID(name + "-uid"),
			Labels: map[string]string{virtv1.NodeNameLabel: node},
		},
		Status: virtv1.VirtualMachineInstanceStatus{Phase: virtv1.Running, NodeName: node},
	}
}

func withMigratable(vmi *virtv1.VirtualMachineInstance, ok bool) *virtv1.VirtualMachineInstance {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	vmi.Status.Conditions = append(vmi.Status.Conditions, virtv1.VirtualMachineInstanceCondition{
		Type: virtv1.VirtualMachineInstanceIsMigratable, Status: status,
	})
	return vmi
}

func launcherOn(vmi *virtv1.VirtualMachineInstance, name, node string, phase corev1.PodPhase) *corev1.Pod {
	pod := launcherPod(vmi)
	pod.Name = name
	pod.UID = types.UID(name + "-uid")
	pod.Spec.NodeName = node
	pod.Status.Phase = phase
	if phase == corev1.PodRunning {
		pod.Status.PodIP = "10.0.0.7"
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return pod
}

func noPVCs(string, string) *corev1.PersistentVolumeClaim { return nil }
