//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The test cluster's KubeVirt CR is what OpenShift Virtualization's HCO writes on a cluster
// with two or more workers: evictionStrategy LiveMigrate. So a VM without a strategy of its own
// live-migrates, the plan says it inherits the cluster's, and the drain moves it, guest
// running, to another node. --method=drain: no operator needed.
func TestMaintenanceVMWithoutStrategyLiveMigratesUnderHCODefault(t *testing.T) {
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("inherits", n, "", "", "") }, "inherits")
	n0 := nodes.Names[0]
	ctx := context.Background()
	kvs, err := env.KubeVirt.KubevirtV1().KubeVirts(env.CNVNamespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(kvs.Items) != 1 {
		t.Fatalf("the cluster's KubeVirt CR: %v (%d found)", err, len(kvs.Items))
	}
	if s := kvs.Items[0].Spec.Configuration.EvictionStrategy; s == nil || *s != virtv1.EvictionStrategyLiveMigrate {
		t.Fatalf("the cluster's KubeVirt CR sets evictionStrategy %v, want LiveMigrate as HCO does", s)
	}
	before, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "inherits", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	plan := env.Run(t, "maintenance", "start", n0, "--method=drain", "--dry-run=client")
	want := fmt.Sprintf("  Will live-migrate (1):\n    %s/inherits  LiveMigrate (cluster default)\n", ns)
	if plan.ExitCode != 0 || !strings.Contains(plan.Stdout, want) {
		t.Fatalf("plan: exit %d, want %q in:\n%s%s", plan.ExitCode, want, plan.Stdout, plan.Stderr)
	}

	res := env.Run(t, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "default strategy", "--timeout", "2m")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, fmt.Sprintf("%s: VM %s/inherits Migrated %s → %s", n0, ns, n0, nodes.Names[1])) {
		t.Fatalf("start: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	after := env.WaitVMIRunning(t, ns, "inherits", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == nodes.Names[1] })
	if after.UID != before.UID {
		t.Errorf("the VM was shut down and re-created (VMI %s, was %s) instead of live-migrated", after.UID, before.UID)
	}
	if res := env.Run(t, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Errorf("stop: exit %d\n%s", res.ExitCode, res.Stderr)
	}
}
