package printers

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// planVM is a running VM of the plan, owned by a VirtualMachine and live-migratable unless the
// caller changes that.
func planVM(name string, o maintenance.Outcome, s kvv1.EvictionStrategy, src maintenance.StrategySource, rs kvv1.VirtualMachineRunStrategy) maintenance.VMIImpact {
	return maintenance.VMIImpact{Namespace: "default", Name: name, Phase: kvv1.Running, OwnedByVM: true, RunStrategy: rs,
		Strategy: s, StrategySource: src, Migratable: corev1.ConditionTrue, Outcome: o}
}

// The plan pkg/maintenance's TestBuildPlanUsesClusterDefaultAndGroups builds: one VM of each
// verdict, one migrating in, other pods to evict and a DaemonSet pod that stays.
func TestRenderMaintenancePlan(t *testing.T) {
	vmA := planVM("vm-a", maintenance.OutcomeMigrate, kvv1.EvictionStrategyLiveMigrate, maintenance.SourceClusterDefault, "")
	vmA.HotplugPods = []string{"default/hp-volume-x"}
	bare := planVM("vm-bare", maintenance.OutcomeShutdown, kvv1.EvictionStrategyNone, maintenance.SourceVMI, "")
	bare.OwnedByVM = false
	rwo := planVM("vm-rwo", maintenance.OutcomeBlock, kvv1.EvictionStrategyLiveMigrate, maintenance.SourceClusterDefault, "")
	rwo.Migratable, rwo.MigratableReason, rwo.MigratableMsg = corev1.ConditionFalse, "DisksNotLiveMigratable", "PVC rootdisk is not shared"
	plan := &maintenance.Plan{Node: "node-1", VMIs: []maintenance.VMIImpact{
		vmA,
		bare,
		planVM("vm-none", maintenance.OutcomeRestart, kvv1.EvictionStrategyNone, maintenance.SourceVMI, kvv1.RunStrategyAlways),
		planVM("vm-rerun", maintenance.OutcomeShutdown, kvv1.EvictionStrategyNone, maintenance.SourceVMI, kvv1.RunStrategyRerunOnFailure),
		rwo,
	},
		Incoming:    []maintenance.IncomingVMI{{Namespace: "default", Name: "vm-incoming", Source: "node-2"}},
		OtherPods:   []string{"default/web-1"},
		StayingPods: []string{"kube-system/ds-1"},
	}
	var out bytes.Buffer
	if err := RenderMaintenancePlan(&out, plan); err != nil {
		t.Fatal(err)
	}
	want := `Node node-1:
  Will live-migrate (1):
    default/vm-a  LiveMigrate (cluster default)  hotplug volume pods leave with it: hp-volume-x
  Will be shut down and restarted elsewhere (1):
    default/vm-none  None
  Will be shut down and NOT restarted (2):
    default/vm-bare   None  no VirtualMachine owns it
    default/vm-rerun  None  runStrategy RerunOnFailure does not rerun a guest that shut down cleanly
  Will block the drain (1):
    default/vm-rwo  LiveMigrate (cluster default)  not live-migratable: DisksNotLiveMigratable: PVC rootdisk is not shared
  Migrating into this node; the drain waits for them to finish (1):
    default/vm-incoming  from node-2
  Other pods to evict: 1 (1 DaemonSet or static pods stay)
`
	if out.String() != want {
		t.Fatalf("plan text:\n%s\nwant:\n%s", out.String(), want)
	}
}

// A hotplug volume pod is named with its VM where it leaves with it, and counted with the
// other pods where the drain evicts it (pkg/maintenance's
// TestPlanPlacesHotplugPodsPerKubeVirtVersion decides which, by KubeVirt version).
func TestRenderMaintenancePlanHotplugPods(t *testing.T) {
	vm := planVM("vm-a", maintenance.OutcomeMigrate, kvv1.EvictionStrategyLiveMigrate, maintenance.SourceVMI, "")
	withVM := vm
	withVM.HotplugPods = []string{"default/hp-volume-x"}
	for _, c := range []struct {
		plan *maintenance.Plan
		want string
	}{
		{&maintenance.Plan{Node: "node-1", VMIs: []maintenance.VMIImpact{withVM}}, `Node node-1:
  Will live-migrate (1):
    default/vm-a  LiveMigrate  hotplug volume pods leave with it: hp-volume-x
  Other pods to evict: 0
`},
		{&maintenance.Plan{Node: "node-1", VMIs: []maintenance.VMIImpact{vm}, OtherPods: []string{"default/hp-volume-x"}}, `Node node-1:
  Will live-migrate (1):
    default/vm-a  LiveMigrate
  Other pods to evict: 1
`},
	} {
		var out bytes.Buffer
		if err := RenderMaintenancePlan(&out, c.plan); err != nil {
			t.Fatal(err)
		}
		if out.String() != c.want {
			t.Errorf("plan:\n%s\nwant:\n%s", out.String(), c.want)
		}
	}
}

// Where the leaving VMs can go (pkg/maintenance's TestPlanSaysWhereVMsCanGo sets it), and that
// they can go nowhere.
func TestRenderMaintenancePlanDestinations(t *testing.T) {
	p := &maintenance.Plan{Node: "node-2", VMIs: []maintenance.VMIImpact{maintenance.Classify(testVMI("vm-a", nil, corev1.ConditionTrue, "", ""), nil)},
		Destinations: []string{"node-1", "node-3"}}
	var b bytes.Buffer
	if err := RenderMaintenancePlan(&b, p); err != nil {
		t.Fatal(err)
	}
	want := `Node node-2:
  Will be shut down and restarted elsewhere (1):
    default/vm-a  None (built-in default)
  VMs can go to: node-1, node-3
  Other pods to evict: 0
`
	if b.String() != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", b.String(), want)
	}
	p.Destinations = []string{}
	b.Reset()
	_ = RenderMaintenancePlan(&b, p)
	if !strings.Contains(b.String(), "  VMs can go to: no node (none outside this request is Ready, schedulable, labelled kubevirt.io/schedulable=true and accepted by these VMs)\n") {
		t.Fatalf("no destination:\n%s", b.String())
	}
}

// A VM that restarts elsewhere but fits no node stays Pending, and the plan says so
// (pkg/maintenance's TestPinnedRestartingVMIsPlannedAsStayingPending finds why).
func TestRenderMaintenancePlanOfAPinnedRestartingVM(t *testing.T) {
	v := maintenance.Classify(testVMI("vm-a", nil, "", "", ""), nil)
	v.SetRunStrategy(kvv1.RunStrategyAlways)
	v.NoPlace = "no node to go to: of node node-2, nodeSelector kubernetes.io/hostname=node-1 matches none of them"
	p := &maintenance.Plan{Node: "node-1", VMIs: []maintenance.VMIImpact{v}, Destinations: []string{}}
	var b bytes.Buffer
	if err := RenderMaintenancePlan(&b, p); err != nil {
		t.Fatal(err)
	}
	want := `Node node-1:
  Will be shut down and restarted elsewhere (1):
    default/vm-a  None (built-in default)  it stays Pending until a node takes it: no node to go to: of node node-2, nodeSelector kubernetes.io/hostname=node-1 matches none of them
  VMs can go to: no node (none outside this request is Ready, schedulable, labelled kubevirt.io/schedulable=true and accepted by these VMs)
  Other pods to evict: 0
`
	if b.String() != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", b.String(), want)
	}
}
