package vms

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
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
// evacuation controller turns into migrations. External is marked but never migrated (the
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

// evictionVerdict is what the pods/eviction webhook answers for one launcher pod.
type evictionVerdict struct {
	Allow bool
	// Mark asks the webhook to set the VMI's status.evacuationNodeName to the pod's node.
	Mark    bool
	Message string
}

// decideEviction mirrors KubeVirt's PodEvictionAdmitter (virt-api,
// pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go):
//   - launcher pods that already finished are let go;
//   - no strategy / None: allowed, the VM goes down with its pod;
//   - LiveMigrate: denied; marked for evacuation when migratable, otherwise denied with
//     the "not live-migratable" message, which blocks a drain;
//   - LiveMigrateIfPossible: like LiveMigrate when migratable, otherwise allowed;
//   - External: always marked and denied;
//   - a VMI already marked is denied with "Evacuation in progress: ...";
//   - a pod not on the VMI's node (a migration's target pod) is denied with "Eviction request
//     for target Pod" (since v1.5.0; v1.4 let it go), which holds a drain of the target node
//     until the incoming migration ends.
//
// Denials carry HTTP 429 so that eviction clients (kubectl drain, NMO) retry later.
func decideEviction(pod *corev1.Pod, vmi *virtv1.VirtualMachineInstance, cluster *virtv1.EvictionStrategy) evictionVerdict {
	if pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		return evictionVerdict{Allow: true}
	}
	s := evictionStrategy(vmi, cluster)
	if s == nil {
		return evictionVerdict{Allow: true}
	}
	mark := false
	switch *s {
	case virtv1.EvictionStrategyLiveMigrate:
		if !vmi.IsMigratable() {
			return evictionVerdict{Message: fmt.Sprintf("VMI %s is configured with an eviction strategy but is not live-migratable", vmi.Name)}
		}
		mark = true
	case virtv1.EvictionStrategyLiveMigrateIfPossible:
		mark = vmi.IsMigratable()
	case virtv1.EvictionStrategyExternal:
		mark = true
	}
	if !mark {
		return evictionVerdict{Allow: true}
	}
	triggered := fmt.Sprintf("Eviction triggered evacuation of VMI \"%s/%s\"", vmi.Namespace, vmi.Name)
	if vmi.IsMarkedForEviction() {
		return evictionVerdict{Message: "Evacuation in progress: " + triggered}
	}
	if vmi.Status.NodeName != pod.Spec.NodeName {
		// Not the pod the VMI runs in: the target pod of a migration. KubeVirt marks the VMI
		// only for its source pod.
		return evictionVerdict{Message: "Eviction request for target Pod"}
	}
	return evictionVerdict{Mark: true, Message: triggered}
}
