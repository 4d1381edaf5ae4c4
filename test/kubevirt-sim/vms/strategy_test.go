package vms

import (
	"testing"

	virtv1 "kubevirt.io/api/core/v1"
)

func TestEvictionStrategyPrefersTheVMIOverTheCluster(t *testing.T) {
	vmi := runningVMI("vm", "n1")
	if got := evictionStrategy(vmi, nil); got != nil {
		t.Fatalf("no VMI and no cluster strategy: got %v, want none", *got)
	}
	if got := evictionStrategy(vmi, strategyPtr(virtv1.EvictionStrategyLiveMigrate)); got == nil || *got != virtv1.EvictionStrategyLiveMigrate {
		t.Fatalf("cluster LiveMigrate: got %v", got)
	}
	vmi.Spec.EvictionStrategy = strategyPtr(virtv1.EvictionStrategyNone)
	if got := evictionStrategy(vmi, strategyPtr(virtv1.EvictionStrategyLiveMigrate)); *got != virtv1.EvictionStrategyNone {
		t.Fatalf("VMI None under cluster LiveMigrate: got %v", *got)
	}
}

func TestMigratesOnEviction(t *testing.T) {
	vmi := withMigratable(runningVMI("vm", "n1"), false)
	for s, want := range map[virtv1.EvictionStrategy]bool{
		virtv1.EvictionStrategyLiveMigrate:           true,
		virtv1.EvictionStrategyLiveMigrateIfPossible: false, // not migratable
		virtv1.EvictionStrategyExternal:              false, // someone else acts on it
		virtv1.EvictionStrategyNone:                  false,
	} {
		vmi.Spec.EvictionStrategy = strategyPtr(s)
		if got := migratesOnEviction(vmi, nil); got != want {
			t.Errorf("%s: got %v, want %v", s, got, want)
		}
	}
}
