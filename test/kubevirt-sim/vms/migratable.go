package vms

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

// pvcGetter finds a PVC by namespace and name; nil when it does not exist.
type pvcGetter func(namespace, name string) *corev1.PersistentVolumeClaim

// liveMigratable mirrors the disk part of KubeVirt's LiveMigratable condition
// (virt-handler's checkVolumesForMigration): every persistentVolumeClaim or dataVolume
// volume must be backed by a PVC with the ReadWriteMany access mode. A DataVolume's PVC
// has the DataVolume's name. Other volume kinds (containerDisk, cloudInit, ...) are
// copied with the VM and never block a migration.
func liveMigratable(vmi *virtv1.VirtualMachineInstance, getPVC pvcGetter) virtv1.VirtualMachineInstanceCondition {
	for _, v := range vmi.Spec.Volumes {
		claim := ""
		switch {
		case v.PersistentVolumeClaim != nil:
			claim = v.PersistentVolumeClaim.ClaimName
		case v.DataVolume != nil:
			claim = v.DataVolume.Name
		default:
			continue
		}
		pvc := getPVC(vmi.Namespace, claim)
		if pvc == nil {
			return notMigratable(fmt.Sprintf("cannot migrate VMI: Unable to determine if PVC %v is shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)", claim))
		}
		if !hasAccessMode(pvc, corev1.ReadWriteMany) {
			return notMigratable(fmt.Sprintf("cannot migrate VMI: PVC %v is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)", claim))
		}
	}
	return virtv1.VirtualMachineInstanceCondition{
		Type:   virtv1.VirtualMachineInstanceIsMigratable,
		Status: corev1.ConditionTrue,
	}
}

func notMigratable(message string) virtv1.VirtualMachineInstanceCondition {
	return virtv1.VirtualMachineInstanceCondition{
		Type:    virtv1.VirtualMachineInstanceIsMigratable,
		Status:  corev1.ConditionFalse,
		Reason:  virtv1.VirtualMachineInstanceReasonDisksNotMigratable,
		Message: message,
	}
}

// hasAccessMode looks at the claim's status (what was bound) and falls back to its spec
// (what was asked for) while it is unbound, which is all a storage-less test cluster has.
func hasAccessMode(pvc *corev1.PersistentVolumeClaim, mode corev1.PersistentVolumeAccessMode) bool {
	modes := pvc.Status.AccessModes
	if len(modes) == 0 {
		modes = pvc.Spec.AccessModes
	}
	for _, m := range modes {
		if m == mode {
			return true
		}
	}
	return false
}
