package maintenancetest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kvv1 "kubevirt.io/api/core/v1"
)

// T0 is the moment the fixtures' clocks and timestamps start from.
var T0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// NodeMaintenanceGVR is the medik8s NodeMaintenance resource the tests serve. It is a GVR, not
// a maintenance.API, because this package cannot import pkg/maintenance.
var NodeMaintenanceGVR = schema.GroupVersionResource{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"}

// Migration is an evacuation migration of node-1's VMI vmi in namespace default; prio ""
// leaves its priority out, as KubeVirt before v1.9 does.
func Migration(name, vmi string, phase kvv1.VirtualMachineInstanceMigrationPhase, prio kvv1.MigrationPriority, created time.Time) *kvv1.VirtualMachineInstanceMigration {
	m := &kvv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: metav1.NewTime(created),
			Annotations: map[string]string{kvv1.EvacuationMigrationAnnotation: "node-1"}},
		Spec:   kvv1.VirtualMachineInstanceMigrationSpec{VMIName: vmi},
		Status: kvv1.VirtualMachineInstanceMigrationStatus{Phase: phase},
	}
	if prio != "" {
		m.Spec.Priority = &prio
	}
	return m
}

// SchedulerSays is the scheduler's reason on UnschedulableTargetPod.
const SchedulerSays = "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable."

// UnschedulableTargetPod is the target pod of the migration with that uid, which the scheduler
// cannot place.
func UnschedulableTargetPod(uid string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "virt-launcher-vm-a-target", Labels: map[string]string{kvv1.MigrationJobLabel: uid}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: SchedulerSays,
		}}},
	}
}
