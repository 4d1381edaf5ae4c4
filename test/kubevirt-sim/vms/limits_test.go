package vms

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"
)

func TestConfigFromDefaultsAndOverrides(t *testing.T) {
	cfg := configFrom(nil)
	if cfg.EvictionStrategy != nil || cfg.OutboundMigrationsPerNode != 2 || cfg.MigrationsPerCluster != 5 {
		t.Fatalf("defaults: got %+v", cfg)
	}
	one, three := uint32(1), uint32(3)
	kv := &virtv1.KubeVirt{Spec: virtv1.KubeVirtSpec{Configuration: virtv1.KubeVirtConfiguration{
		EvictionStrategy: strategyPtr(virtv1.EvictionStrategyLiveMigrate),
		MigrationConfiguration: &virtv1.MigrationConfiguration{
			ParallelOutboundMigrationsPerNode: &one, ParallelMigrationsPerCluster: &three,
		},
	}}}
	cfg = configFrom([]*virtv1.KubeVirt{kv})
	if *cfg.EvictionStrategy != virtv1.EvictionStrategyLiveMigrate || cfg.OutboundMigrationsPerNode != 1 || cfg.MigrationsPerCluster != 3 {
		t.Fatalf("overrides: got %+v", cfg)
	}
}

func TestMigrationSlotsRespectBothLimits(t *testing.T) {
	cfg := clusterConfig{OutboundMigrationsPerNode: 2, MigrationsPerCluster: 5}
	busy := []inFlight{{"a", "n1"}, {"b", "n1"}, {"c", "n2"}}
	if got := migrationSlots(cfg, "n1", busy); got != 0 {
		t.Errorf("n1 has 2 outbound of 2: got %d free slots", got)
	}
	if got := migrationSlots(cfg, "n2", busy); got != 1 {
		t.Errorf("n2 has 1 outbound of 2: got %d free slots", got)
	}
	busy = append(busy, inFlight{"d", "n3"}, inFlight{"e", "n4"})
	if got := migrationSlots(cfg, "n5", busy); got != 0 {
		t.Errorf("5 of 5 cluster-wide: got %d free slots", got)
	}
}

func migrationAt(uid string, created time.Time, evacuation bool, phase virtv1.VirtualMachineInstanceMigrationPhase, at time.Time) *virtv1.VirtualMachineInstanceMigration {
	m := &virtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{
		Name: uid, UID: types.UID(uid), CreationTimestamp: metav1.NewTime(created)}}
	if evacuation {
		m.Annotations = map[string]string{virtv1.EvacuationMigrationAnnotation: "n1"}
	}
	if phase != "" {
		setMigrationPhase(m, phase, at)
	}
	return m
}

func TestMigrationBackoffDoublesPerConsecutiveFailure(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	failed1 := migrationAt("f1", t0, true, virtv1.MigrationFailed, t0.Add(10*time.Second))
	failed2 := migrationAt("f2", t0.Add(time.Minute), true, virtv1.MigrationFailed, t0.Add(70*time.Second))
	next := migrationAt("next", t0.Add(2*time.Minute), true, "", time.Time{})

	// One failure: 20s from its failure.
	if got := migrationBackoff(next, []*virtv1.VirtualMachineInstanceMigration{failed1, next}, t0.Add(15*time.Second)); got != 15*time.Second {
		t.Errorf("after one failure: got %s, want 15s", got)
	}
	// Two failures in a row: 40s from the latest failure.
	if got := migrationBackoff(next, []*virtv1.VirtualMachineInstanceMigration{failed1, failed2, next}, t0.Add(80*time.Second)); got != 30*time.Second {
		t.Errorf("after two failures: got %s, want 30s", got)
	}
	// Backoff over.
	if got := migrationBackoff(next, []*virtv1.VirtualMachineInstanceMigration{failed1, next}, t0.Add(time.Hour)); got != 0 {
		t.Errorf("long after: got %s, want 0", got)
	}
	// A success resets the count.
	ok := migrationAt("ok", t0.Add(90*time.Second), true, virtv1.MigrationSucceeded, t0.Add(95*time.Second))
	if got := migrationBackoff(next, []*virtv1.VirtualMachineInstanceMigration{failed1, failed2, ok, next}, t0.Add(100*time.Second)); got != 0 {
		t.Errorf("after a success: got %s, want 0", got)
	}
	// Migrations a user created do not back off.
	user := migrationAt("user", t0.Add(2*time.Minute), false, "", time.Time{})
	if got := migrationBackoff(user, []*virtv1.VirtualMachineInstanceMigration{failed1, user}, t0.Add(15*time.Second)); got != 0 {
		t.Errorf("user migration: got %s, want 0", got)
	}
}
