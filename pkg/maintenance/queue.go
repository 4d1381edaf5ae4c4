package maintenance

import (
	"fmt"
	"sort"

	kvv1 "kubevirt.io/api/core/v1"
)

// From KubeVirt v1.9 the evacuation controller creates a migration for every VM to move at once,
// with spec.priority, and the migration controller holds those over the parallel limits in
// Pending and starts them by priority (kubevirt v1.9.0 pkg/virt-controller/watch/drain/
// evacuation/evacuation.go, pkg/virt-controller/watch/migration/migration.go). Older releases
// create migrations only as slots free up, so at most a few are Pending. Either way a Pending
// migration waits its turn: progress and describe show its place in the queue.

// QueuedMigration tells a migration that waits to start from one already moving its VM. The
// follower (pkg/maintenance/follow) shares it and QueuePositions with describe, so that both
// number the queue alike.
func QueuedMigration(m *kvv1.VirtualMachineInstanceMigration) bool {
	return m.Status.Phase == kvv1.MigrationPhaseUnset || m.Status.Phase == kvv1.MigrationPending
}

// migrationPriorityRank ranks a migration as KubeVirt's migration queue does (v1.9.0
// pkg/util/migrations/migrations.go PriorityFromMigration); a higher one starts first.
func migrationPriorityRank(m *kvv1.VirtualMachineInstanceMigration) int {
	if m.Spec.Priority == nil {
		return 0
	}
	switch *m.Spec.Priority {
	case kvv1.PrioritySystemCritical:
		return 100
	case kvv1.PriorityUserTriggered:
		return 50
	case kvv1.PrioritySystemMaintenance:
		return 20
	}
	return 0
}

// QueuePositions numbers the queued migrations in the order KubeVirt gives them a free slot:
// higher priority first, then the oldest. It returns each one's VMI (namespace/name) with its
// 1-based place, and how many wait.
func QueuePositions(migs []*kvv1.VirtualMachineInstanceMigration) (map[string]int, int) {
	var queued []*kvv1.VirtualMachineInstanceMigration
	for _, m := range migs {
		if QueuedMigration(m) {
			queued = append(queued, m)
		}
	}
	sort.SliceStable(queued, func(i, j int) bool {
		a, b := queued[i], queued[j]
		if ra, rb := migrationPriorityRank(a), migrationPriorityRank(b); ra != rb {
			return ra > rb
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	pos := make(map[string]int, len(queued))
	for i, m := range queued {
		pos[m.Namespace+"/"+m.Spec.VMIName] = i + 1
	}
	return pos, len(queued)
}

// QueueText is a queued migration's place: "queued (2 of 8)". The errors that end a wait and
// describe in pkg/printers give the place in these words.
func QueueText(pos, of int) string {
	return fmt.Sprintf("queued (%d of %d)", pos, of)
}

// MigrationFinal tells a migration that has ended. Describe, stop and the follower in
// pkg/maintenance/follow judge a migration alike with it.
func MigrationFinal(p kvv1.VirtualMachineInstanceMigrationPhase) bool {
	return p == kvv1.MigrationSucceeded || p == kvv1.MigrationFailed
}
