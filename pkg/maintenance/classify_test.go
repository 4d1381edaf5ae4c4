package maintenance

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance/maintenancetest"
)

// The shared fixtures (maintenancetest), under the short names the tests use.
var (
	t0                     = maintenancetest.T0
	testAPI                = API{GVR: maintenancetest.NodeMaintenanceGVR, Kind: "NodeMaintenance"}
	strategy               = maintenancetest.Strategy
	testVMI                = maintenancetest.VMI
	queueTestMigration     = maintenancetest.Migration
	unschedulableTargetPod = maintenancetest.UnschedulableTargetPod
)

const schedulerSays = maintenancetest.SchedulerSays

func TestClassify(t *testing.T) {
	live := kvv1.EvictionStrategyLiveMigrate
	ifPossible := kvv1.EvictionStrategyLiveMigrateIfPossible
	none := kvv1.EvictionStrategyNone
	external := kvv1.EvictionStrategyExternal

	cases := []struct {
		name           string
		vmiStrategy    *kvv1.EvictionStrategy
		clusterDefault *kvv1.EvictionStrategy
		migratable     corev1.ConditionStatus
		want           Outcome
		wantStrategy   kvv1.EvictionStrategy
		wantSource     StrategySource
	}{
		{"LiveMigrate and migratable", &live, nil, corev1.ConditionTrue, OutcomeMigrate, live, SourceVMI},
		{"LiveMigrate not migratable blocks", &live, nil, corev1.ConditionFalse, OutcomeBlock, live, SourceVMI},
		{"LiveMigrate without condition blocks", &live, nil, "", OutcomeBlock, live, SourceVMI},
		{"IfPossible and migratable", &ifPossible, nil, corev1.ConditionTrue, OutcomeMigrate, ifPossible, SourceVMI},
		{"IfPossible not migratable restarts", &ifPossible, nil, corev1.ConditionFalse, OutcomeRestart, ifPossible, SourceVMI},
		{"None restarts even when migratable", &none, nil, corev1.ConditionTrue, OutcomeRestart, none, SourceVMI},
		{"unset, no default: built-in None", nil, nil, corev1.ConditionTrue, OutcomeRestart, none, SourceBuiltIn},
		{"unset takes the cluster default LiveMigrate", nil, &live, corev1.ConditionTrue, OutcomeMigrate, live, SourceClusterDefault},
		{"cluster default LiveMigrate, RWO disk blocks", nil, &live, corev1.ConditionFalse, OutcomeBlock, live, SourceClusterDefault},
		{"VMI's own None beats cluster LiveMigrate", &none, &live, corev1.ConditionTrue, OutcomeRestart, none, SourceVMI},
		{"empty cluster default is no default", nil, strategy(""), corev1.ConditionTrue, OutcomeRestart, none, SourceBuiltIn},
		{"External", &external, nil, corev1.ConditionTrue, OutcomeExternal, external, SourceVMI},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(testVMI("vm", tc.vmiStrategy, tc.migratable, "R", "m"), tc.clusterDefault)
			if got.Outcome != tc.want || got.Strategy != tc.wantStrategy || got.StrategySource != tc.wantSource {
				t.Fatalf("got outcome %q strategy %q (%s), want %q %q (%s)", got.Outcome, got.Strategy, got.StrategySource, tc.want, tc.wantStrategy, tc.wantSource)
			}
		})
	}
}

func TestClassifyKeepsConditionAndOwner(t *testing.T) {
	vmi := testVMI("rwo", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionFalse,
		"DisksNotLiveMigratable", "cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)")
	vmi.OwnerReferences = nil
	got := Classify(vmi, nil)
	if got.MigratableReason != "DisksNotLiveMigratable" || got.Migratable != corev1.ConditionFalse {
		t.Fatalf("condition not kept: %+v", got)
	}
	if got.OwnedByVM {
		t.Fatalf("a VMI without owner must not count as owned by a VM")
	}
}
