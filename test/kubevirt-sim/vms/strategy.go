package vms

import (
	virtv1 "kubevirt.io/api/core/v1"
)

// evictionStrategy mirrors KubeVirt's migrations.VMIEvictionStrategy: the VMI's own
// spec.evictionStrategy wins, else the KubeVirt CR's spec.configuration.evictionStrategy,
// else none (nil), which KubeVirt treats like None.
func evictionStrategy(vmi *virtv1.VirtualMachineInstance, cluster *virtv1.EvictionStrategy) *virtv1.EvictionStrategy {
	if vmi.Spec.EvictionStrategy != nil {
		return vmi.Spec.EvictionStrategy
	}
	return cluster
}

// migratesOnEviction mirrors KubeVirt's migrations.VMIMigratableOnEviction: which VMIs the
// evacuation controller turns into migrations. (What virt-api answers an eviction with is
// virt-api's own code now: hack/cluster.sh runs it.) External is marked but never migrated (the
// external controller, e.g. capk, acts on evacuationNodeName itself).
func migratesOnEviction(vmi *virtv1.VirtualMachineInstance, cluster *virtv1.EvictionStrategy) bool {
	s := evictionStrategy(vmi, cluster)
	if s == nil {
		return false
	}
	switch *s {
	case virtv1.EvictionStrategyLiveMigrate:
		return true
	case virtv1.EvictionStrategyLiveMigrateIfPossible:
		return vmi.IsMigratable()
	}
	return false
}
