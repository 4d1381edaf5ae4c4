//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// KubeVirt puts a VM's nodeSelector, node affinity and tolerations on its migration's target
// pod: a VM pinned to the node being drained has nowhere to go. start refuses it up front as a
// blocker naming the constraint; with --force the drain starts and the wait reports the
// migration the scheduler cannot place, with the scheduler's reason, instead of hanging.

// placedVM is a LiveMigrate VM for the test's nodes with extra YAML in its VMI spec (indented
// six spaces) and extra nodeSelector entries (indented eight).
func placedVM(name string, nodes framework.TestNodes, spec, selector string) string {
	m := mtVM(name, nodes, "LiveMigrate", "", "")
	m = strings.Replace(m, "      nodeSelector:\n", spec+"      nodeSelector:\n"+selector, 1)
	return m
}

func TestMaintenanceVMPinnedByNodeSelectorIsABlocker(t *testing.T) {
	mtRequireOperator(t)
	var n0 string
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		n0 = n.Names[0]
		return placedVM("pinned", n, "", fmt.Sprintf("        kubernetes.io/hostname: %s\n", n0)) + mtVM("free", n, "LiveMigrate", "", "")
	}, "pinned", "free")
	n1 := nodes.Names[1]

	res := env.Run(t, "maintenance", "start", "--yes", n0)
	if res.ExitCode != 4 {
		t.Fatalf("exit %d, want 4 (blocked)\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	// The candidates are every KubeVirt node left, the cluster's shared ones too; the plan names
	// a few and counts the rest.
	reason := regexp.QuoteMeta("no node to go to: of nodes ") + `[^\n]*` +
		regexp.QuoteMeta(fmt.Sprintf(", nodeSelector kubernetes.io/hostname=%s,%s=%s matches none of them", n0, framework.TestLabel, nodes.Label))
	for _, want := range []string{
		regexp.QuoteMeta("refusing to start maintenance on node " + n0 + ": 1 VM(s) would block the drain"),
		regexp.QuoteMeta(ns+"/pinned: evictionStrategy LiveMigrate but ") + reason,
		"give the VMs a node to go to",
	} {
		if !regexp.MustCompile(want).MatchString(res.Stderr) {
			t.Errorf("refusal does not match %q:\n%s", want, res.Stderr)
		}
	}
	for _, want := range []string{
		regexp.QuoteMeta("  Will live-migrate (1):\n    " + ns + "/free  LiveMigrate"),
		regexp.QuoteMeta("  Will block the drain (1):\n    "+ns+"/pinned  LiveMigrate  ") + reason + "\n",
		"  VMs can go to: [^\n]*" + regexp.QuoteMeta(n1),
	} {
		if !regexp.MustCompile(want).MatchString(res.Stdout) {
			t.Errorf("plan does not match %q:\n%s", want, res.Stdout)
		}
	}
	mtAssertUntouched(t, env, n0)

	// --force: the free VM leaves; the pinned one's migration cannot be placed, and the wait
	// says so with the scheduler's reason.
	res = env.Run(t, "maintenance", "start", "--yes", n0, "--force", "--stall-timeout", "8s", "--timeout", "3m")
	t.Cleanup(func() { env.Run(t, "maintenance", "stop", n0) })
	if res.ExitCode != 4 {
		t.Fatalf("exit %d, want 4 (stuck)\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, want := range []string{
		"the drain of node " + n0 + " is stuck: for 8s no VM left has been able to leave, because the scheduler cannot place their migrations' target pods",
		"VM " + ns + "/pinned: Migrating (migration Scheduling): target pod " + ns + "/virt-launcher-pinned-",
		"cannot be scheduled: 0/",
		"didn't match Pod's node affinity/selector",
		"give the migrating VMs a node the scheduler accepts",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stuck report lacks %q:\n%s", want, res.Stderr)
		}
	}
	if !strings.Contains(res.Stdout, n0+": the drain is not progressing: no VM left can leave (a migration cannot be scheduled)\n") {
		t.Errorf("progress does not say the drain stopped moving:\n%s", res.Stdout)
	}
	if strings.Contains(res.Stderr, "VM "+ns+"/free:") {
		t.Errorf("the migrated VM is reported as left on the node:\n%s", res.Stderr)
	}
	if len(mtMaintenances(t, env, n0)) != 1 {
		t.Errorf("the maintenance must stay in place")
	}
	// describe shows the migration the scheduler cannot place, with its reason.
	desc := env.Run(t, "maintenance", "describe", n0)
	if desc.ExitCode != 0 || !strings.Contains(desc.Stdout, "Unschedulable migrations:\n  NAME") ||
		!strings.Contains(desc.Stdout, "virt-launcher-pinned-") || !strings.Contains(desc.Stdout, "didn't match Pod's node affinity/selector") {
		t.Errorf("describe does not show the unschedulable migration (exit %d):\n%s%s", desc.ExitCode, desc.Stdout, desc.Stderr)
	}
	vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(context.Background(), "free", metav1.GetOptions{})
	if err != nil || vmi.Status.NodeName != n1 {
		t.Errorf("VM free did not migrate to %s: %v", n1, err)
	}
}

func TestMaintenanceVMPinnedByNodeAffinityIsABlocker(t *testing.T) {
	mtRequireOperator(t)
	var n0 string
	env, ns, _ := mtEstate(t, 2, func(n framework.TestNodes) string {
		n0 = n.Names[0]
		affinity := fmt.Sprintf("      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n"+
			"            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: kubernetes.io/hostname, operator: In, values: [%s]}\n", n0)
		return placedVM("pinned", n, affinity, "")
	}, "pinned")

	res := env.Run(t, "maintenance", "start", "--yes", n0)
	if res.ExitCode != 4 {
		t.Fatalf("exit %d, want 4 (blocked)\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	want := regexp.MustCompile(regexp.QuoteMeta(ns+"/pinned: evictionStrategy LiveMigrate but no node to go to: of nodes ") + `[^\n]*` +
		regexp.QuoteMeta(fmt.Sprintf(", required node affinity (kubernetes.io/hostname In (%s)) matches none of them\n", n0)))
	if !want.MatchString(res.Stderr) {
		t.Errorf("refusal does not match %q:\n%s", want, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}
