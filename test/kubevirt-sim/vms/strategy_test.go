package vms

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
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

// The cases of KubeVirt's pod-eviction admitter tests, one row each.
func TestDecideEvictionMirrorsKubeVirtsAdmitter(t *testing.T) {
	const triggered = `Eviction triggered evacuation of VMI "ns/vm"`
	const notMigratable = "VMI vm is configured with an eviction strategy but is not live-migratable"
	cases := []struct {
		name       string
		vmiS       *virtv1.EvictionStrategy
		clusterS   *virtv1.EvictionStrategy
		migratable bool
		want       evictionVerdict
	}{
		{"no strategy anywhere", nil, nil, true, evictionVerdict{Allow: true}},
		{"None", strategyPtr(virtv1.EvictionStrategyNone), nil, true, evictionVerdict{Allow: true}},
		{"cluster None", nil, strategyPtr(virtv1.EvictionStrategyNone), false, evictionVerdict{Allow: true}},
		{"LiveMigrate migratable", strategyPtr(virtv1.EvictionStrategyLiveMigrate), nil, true, evictionVerdict{Mark: true, Message: triggered}},
		{"cluster LiveMigrate migratable", nil, strategyPtr(virtv1.EvictionStrategyLiveMigrate), true, evictionVerdict{Mark: true, Message: triggered}},
		{"LiveMigrate not migratable", strategyPtr(virtv1.EvictionStrategyLiveMigrate), nil, false, evictionVerdict{Message: notMigratable}},
		{"cluster LiveMigrate not migratable", nil, strategyPtr(virtv1.EvictionStrategyLiveMigrate), false, evictionVerdict{Message: notMigratable}},
		{"LiveMigrateIfPossible migratable", strategyPtr(virtv1.EvictionStrategyLiveMigrateIfPossible), nil, true, evictionVerdict{Mark: true, Message: triggered}},
		{"LiveMigrateIfPossible not migratable", strategyPtr(virtv1.EvictionStrategyLiveMigrateIfPossible), nil, false, evictionVerdict{Allow: true}},
		{"External not migratable", strategyPtr(virtv1.EvictionStrategyExternal), nil, false, evictionVerdict{Mark: true, Message: triggered}},
		{"cluster External migratable", nil, strategyPtr(virtv1.EvictionStrategyExternal), true, evictionVerdict{Mark: true, Message: triggered}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vmi := withMigratable(runningVMI("vm", "n1"), c.migratable)
			vmi.Spec.EvictionStrategy = c.vmiS
			pod := launcherOn(vmi, "virt-launcher-vm-abcde", "n1", corev1.PodRunning)
			if got := decideEviction(pod, vmi, c.clusterS); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestDecideEvictionOfAnAlreadyMarkedVMIIsDeniedWithoutMarkingAgain(t *testing.T) {
	vmi := withMigratable(runningVMI("vm", "n1"), true)
	vmi.Spec.EvictionStrategy = strategyPtr(virtv1.EvictionStrategyLiveMigrate)
	vmi.Status.EvacuationNodeName = "n1"
	pod := launcherOn(vmi, "virt-launcher-vm-abcde", "n1", corev1.PodRunning)
	got := decideEviction(pod, vmi, nil)
	want := evictionVerdict{Message: `Evacuation in progress: Eviction triggered evacuation of VMI "ns/vm"`}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestDecideEvictionLetsFinishedLauncherPodsGo(t *testing.T) {
	vmi := withMigratable(runningVMI("vm", "n1"), false)
	vmi.Spec.EvictionStrategy = strategyPtr(virtv1.EvictionStrategyLiveMigrate)
	for _, phase := range []corev1.PodPhase{corev1.PodFailed, corev1.PodSucceeded} {
		pod := launcherOn(vmi, "virt-launcher-vm-abcde", "n1", phase)
		if got := decideEviction(pod, vmi, nil); !got.Allow {
			t.Fatalf("pod in phase %s: got %+v, want allowed", phase, got)
		}
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

// A migration's target pod sits on another node than the VMI: from KubeVirt v1.5.0 its eviction
// is denied, which holds a drain of the target node until the migration ends.
func TestDecideEvictionOfATargetPodIsDenied(t *testing.T) {
	vmi := withMigratable(runningVMI("vm", "n1"), true)
	vmi.Spec.EvictionStrategy = strategyPtr(virtv1.EvictionStrategyLiveMigrate)
	target := launcherOn(vmi, "virt-launcher-vm-tgt01", "n2", corev1.PodRunning)
	if got, want := decideEviction(target, vmi, nil), (evictionVerdict{Message: "Eviction request for target Pod"}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
