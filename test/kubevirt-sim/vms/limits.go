package vms

import (
	"sort"
	"time"

	virtv1 "kubevirt.io/api/core/v1"
)

// inFlight is a migration that occupies one of KubeVirt's parallel-migration slots.
type inFlight struct {
	key        string // namespace/name of the VMIM
	sourceNode string
}

// migrationSlots returns how many more migrations may start from sourceNode given the
// ones already in flight: KubeVirt caps them at parallelMigrationsPerCluster overall and
// parallelOutboundMigrationsPerNode per source node.
func migrationSlots(cfg clusterConfig, sourceNode string, busy []inFlight) int {
	fromNode := 0
	for _, f := range busy {
		if f.sourceNode == sourceNode {
			fromNode++
		}
	}
	return min(cfg.MigrationsPerCluster-len(busy), cfg.OutboundMigrationsPerNode-fromNode)
}

// First retry delay and growth of KubeVirt's migration backoff (migration controller's
// handleBackoff): 20s after one failed evacuation migration, doubled for every further
// consecutive failure since the VMI's last successful migration.
const firstMigrationBackoff = 20 * time.Second

// migrationBackoff returns how long migration m must still wait in Pending. Only
// evacuation migrations back off, and only the newest migration of the VMI; all is the
// list of the VMI's migrations, m included.
func migrationBackoff(m *virtv1.VirtualMachineInstanceMigration, all []*virtv1.VirtualMachineInstanceMigration, now time.Time) time.Duration {
	if _, ok := m.Annotations[virtv1.EvacuationMigrationAnnotation]; !ok {
		return 0
	}
	sorted := append([]*virtv1.VirtualMachineInstanceMigration(nil), all...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[j].CreationTimestamp.Before(&sorted[i].CreationTimestamp) // newest first
	})
	if len(sorted) < 2 || sorted[0].UID != m.UID {
		return 0
	}
	backoff := time.Duration(0)
	for _, prev := range sorted[1:] {
		if prev.Status.Phase == virtv1.MigrationSucceeded {
			break
		}
		if prev.DeletionTimestamp != nil {
			continue
		}
		if prev.Status.Phase == virtv1.MigrationFailed {
			if backoff == 0 {
				backoff = firstMigrationBackoff
			} else {
				backoff *= 2
			}
		}
	}
	if backoff == 0 {
		return 0
	}
	failedAt := phaseTime(sorted[1], virtv1.MigrationFailed)
	return max(failedAt.Add(backoff).Sub(now), 0)
}

func phaseTime(m *virtv1.VirtualMachineInstanceMigration, phase virtv1.VirtualMachineInstanceMigrationPhase) time.Time {
	for _, ts := range m.Status.PhaseTransitionTimestamps {
		if ts.Phase == phase {
			return ts.PhaseTransitionTimestamp.Time
		}
	}
	return time.Time{}
}

// queuePriority ranks a migration as KubeVirt's migration queue does (v1.9.0
// pkg/util/migrations/migrations.go PriorityFromMigration): a higher one starts first.
func queuePriority(m *virtv1.VirtualMachineInstanceMigration) int {
	if m.Spec.Priority == nil {
		return 0
	}
	switch *m.Spec.Priority {
	case virtv1.PrioritySystemCritical:
		return 100
	case virtv1.PriorityUserTriggered:
		return 50
	case virtv1.PrioritySystemMaintenance:
		return 20
	}
	return 0
}

// queueOrder sorts migrations waiting in Pending in the order KubeVirt's migration controller
// gives them a free slot: by priority (it re-enqueues the highest-priority Pending migrations
// when one ends, v1.9.0 migration.go reEnqueueHighestPriorityPendingMigrations), then oldest
// first.
func queueOrder(ms []*virtv1.VirtualMachineInstanceMigration) {
	sort.SliceStable(ms, func(i, j int) bool {
		if pi, pj := queuePriority(ms[i]), queuePriority(ms[j]); pi != pj {
			return pi > pj
		}
		if !ms[i].CreationTimestamp.Equal(&ms[j].CreationTimestamp) {
			return ms[i].CreationTimestamp.Before(&ms[j].CreationTimestamp)
		}
		return ms[i].Namespace+"/"+ms[i].Name < ms[j].Namespace+"/"+ms[j].Name
	})
}
