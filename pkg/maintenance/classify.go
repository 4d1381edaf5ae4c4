package maintenance

import (
	corev1 "k8s.io/api/core/v1"
	kvv1 "kubevirt.io/api/core/v1"
)

// Outcome is what a node drain will do to one VirtualMachineInstance.
type Outcome string

const (
	// OutcomeMigrate: KubeVirt intercepts the eviction and live-migrates the VMI away.
	OutcomeMigrate Outcome = "migrate"
	// OutcomeRestart: the virt-launcher pod is evicted, the guest shuts down, and the
	// VirtualMachine controller starts it again on another node (runStrategy Always).
	OutcomeRestart Outcome = "restart"
	// OutcomeShutdown: the virt-launcher pod is evicted and the guest shuts down gracefully,
	// which ends the VMI Succeeded (virt-launcher on SIGTERM, virt-handler's vm.go). KubeVirt's
	// VM controller restarts a Succeeded VMI only under runStrategy Always: RerunOnFailure
	// reruns failures only (kubevirt issue 9823), Manual and Once never, and nothing restarts a
	// bare VMI. So the guest stays off.
	OutcomeShutdown Outcome = "shutdown"
	// OutcomeBlock: KubeVirt refuses the eviction (LiveMigrate but not migratable), so the
	// drain cannot finish while the VMI is on the node.
	OutcomeBlock Outcome = "block"
	// OutcomeExternal: KubeVirt refuses the eviction and only marks the VMI for an external
	// controller (cluster-api-provider-kubevirt) that must remove it.
	OutcomeExternal Outcome = "external"
)

// StrategySource says where the effective eviction strategy came from, which matters when an
// admin wonders why a VM without a strategy of its own will migrate.
type StrategySource string

const (
	SourceVMI            StrategySource = "vmi"
	SourceClusterDefault StrategySource = "cluster default"
	SourceBuiltIn        StrategySource = "built-in default"
)

// VMIImpact is the plan's verdict for one VMI, with the facts that led to it.
type VMIImpact struct {
	Namespace string
	Name      string
	Phase     kvv1.VirtualMachineInstancePhase
	// OwnedByVM is false for a bare VMI: shutting it down loses it for good.
	OwnedByVM bool
	// HotplugPods are the VM's hotplug volume pods on the node (namespace/name): they leave
	// with it.
	HotplugPods []string
	// RunStrategy is the owning VirtualMachine's, empty for a bare VMI or before
	// SetRunStrategy.
	RunStrategy kvv1.VirtualMachineRunStrategy

	Strategy       kvv1.EvictionStrategy
	StrategySource StrategySource

	// Migratable is the LiveMigratable condition's status ("True", "False" or "Unknown" when the
	// condition is missing), with its reason and message.
	Migratable       corev1.ConditionStatus
	MigratableReason string
	MigratableMsg    string

	Outcome Outcome
	// NoPlace, set by Plan.SetDestinations, says why no node outside the request accepts the
	// VM; a migrating VM with nowhere to go blocks the drain.
	NoPlace string
}

// Key is namespace/name.
func (i VMIImpact) Key() string { return i.Namespace + "/" + i.Name }

// StrategyText is the effective eviction strategy with where it came from when that is not
// the VMI itself: "LiveMigrate (cluster default)". BlockingError and the plan and describe
// texts of pkg/printers name the strategy in these words, so that a refusal reads like the
// plan it refuses.
func (i VMIImpact) StrategyText() string {
	s := string(i.Strategy)
	if i.StrategySource != SourceVMI {
		s += " (" + string(i.StrategySource) + ")"
	}
	return s
}

// MigratableText says why the VMI is not live-migratable, in KubeVirt's words when its
// LiveMigratable condition has any. Exported for the same reason as StrategyText: the
// progress of a blocked VM, BlockingError and the plan all give this reason.
func (i VMIImpact) MigratableText() string {
	switch {
	case i.MigratableReason != "" && i.MigratableMsg != "":
		return i.MigratableReason + ": " + i.MigratableMsg
	case i.MigratableReason != "":
		return i.MigratableReason
	case i.MigratableMsg != "":
		return i.MigratableMsg
	case i.Migratable == "Unknown":
		return "no LiveMigratable condition reported"
	}
	return "LiveMigratable=" + string(i.Migratable)
}

// EffectiveStrategy resolves the eviction strategy KubeVirt applies to a VMI: its own field
// wins, then the cluster-wide default from the KubeVirt CR, then KubeVirt's built-in None.
func EffectiveStrategy(vmi *kvv1.VirtualMachineInstance, clusterDefault *kvv1.EvictionStrategy) (kvv1.EvictionStrategy, StrategySource) {
	if vmi.Spec.EvictionStrategy != nil && *vmi.Spec.EvictionStrategy != "" {
		return *vmi.Spec.EvictionStrategy, SourceVMI
	}
	if clusterDefault != nil && *clusterDefault != "" {
		return *clusterDefault, SourceClusterDefault
	}
	return kvv1.EvictionStrategyNone, SourceBuiltIn
}

// Classify decides what a drain does to the VMI. A missing LiveMigratable condition counts as
// not migratable, because KubeVirt's eviction webhook only lets a migration start when the
// condition is True.
func Classify(vmi *kvv1.VirtualMachineInstance, clusterDefault *kvv1.EvictionStrategy) VMIImpact {
	strategy, source := EffectiveStrategy(vmi, clusterDefault)
	imp := VMIImpact{
		Namespace:      vmi.Namespace,
		Name:           vmi.Name,
		Phase:          vmi.Status.Phase,
		Strategy:       strategy,
		StrategySource: source,
		Migratable:     corev1.ConditionUnknown,
	}
	for _, ref := range vmi.OwnerReferences {
		if ref.Kind == "VirtualMachine" {
			imp.OwnedByVM = true
		}
	}
	for _, c := range vmi.Status.Conditions {
		if c.Type == kvv1.VirtualMachineInstanceIsMigratable {
			imp.Migratable = c.Status
			imp.MigratableReason = c.Reason
			imp.MigratableMsg = c.Message
		}
	}
	migratable := imp.Migratable == corev1.ConditionTrue

	switch strategy {
	case kvv1.EvictionStrategyLiveMigrate:
		if migratable {
			imp.Outcome = OutcomeMigrate
		} else {
			imp.Outcome = OutcomeBlock
		}
	case kvv1.EvictionStrategyLiveMigrateIfPossible:
		if migratable {
			imp.Outcome = OutcomeMigrate
		} else {
			imp.Outcome = OutcomeRestart
		}
	case kvv1.EvictionStrategyExternal:
		imp.Outcome = OutcomeExternal
	default:
		// None, and any value this version does not know: KubeVirt lets the pod go.
		imp.Outcome = OutcomeRestart
	}
	if imp.Outcome == OutcomeRestart && !imp.OwnedByVM {
		imp.Outcome = OutcomeShutdown
	}
	return imp
}

// SetRunStrategy records the owning VM's run strategy, which decides whether a guest shut
// down by the drain comes back: only Always restarts a VMI that ended Succeeded.
func (i *VMIImpact) SetRunStrategy(rs kvv1.VirtualMachineRunStrategy) {
	i.RunStrategy = rs
	if i.Outcome == OutcomeRestart && rs != kvv1.RunStrategyAlways {
		i.Outcome = OutcomeShutdown
	}
}

// Disrupts is true when the drain interrupts the guest: it is shut down, whether or not it
// comes back.
func (i VMIImpact) Disrupts() bool {
	return i.Outcome == OutcomeRestart || i.Outcome == OutcomeShutdown
}
