//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// These tests drive `oc-cnv maintenance` end to end: the real binary, the real Node Maintenance
// Operator (medik8s v0.17.0) draining through KubeVirt's own virt-api eviction webhook. Each
// test owns its kwok nodes and namespace, so they run beside other tests on the shared cluster.

var mtNMGVR = framework.NodeMaintenanceGVRs[0]

// mtVM is a VirtualMachine pinned to the test's nodes; volumes are added to the VMI template.
func mtVM(name string, nodes framework.TestNodes, strategy, migrationDuration, volumes string) string {
	return framework.VMYAML(name, nodes, framework.VMSpec{EvictionStrategy: strategy, MigrationDuration: migrationDuration, Volumes: volumes})
}

// mtEstate creates count nodes and the manifest's VMs, all started on the first node (the
// others are cordoned meanwhile), and waits until every named VMI runs there.
func mtEstate(t *testing.T, count int, manifest func(framework.TestNodes) string, vmis ...string) (*framework.Env, string, framework.TestNodes) {
	t.Helper()
	env := framework.Get(t)
	ns := env.Namespace(t)
	nodes := env.Nodes(t, count)
	env.Cordon(t, nodes.Names[1:], true)
	env.Apply(t, ns, manifest(nodes))
	for _, name := range vmis {
		env.WaitVMIRunning(t, ns, name, func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == nodes.Names[0] })
	}
	env.Cordon(t, nodes.Names[1:], false)
	return env, ns, nodes
}

// mtMaintenances returns the NodeMaintenance objects of node.
func mtMaintenances(t *testing.T, env *framework.Env, node string) []unstructured.Unstructured {
	t.Helper()
	var out []unstructured.Unstructured
	for _, gvr := range framework.NodeMaintenanceGVRs {
		list, err := env.Dynamic.Resource(gvr).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, nm := range list.Items {
			if n, _, _ := unstructured.NestedString(nm.Object, "spec", "nodeName"); n == node {
				out = append(out, nm)
			}
		}
	}
	return out
}

// mtAssertUntouched proves nothing was written for the node: no NodeMaintenance, not cordoned,
// no taint or marker added.
func mtAssertUntouched(t *testing.T, env *framework.Env, node string) {
	t.Helper()
	if nms := mtMaintenances(t, env, node); len(nms) != 0 {
		t.Fatalf("a NodeMaintenance was created for %s: %s", node, nms[0].GetName())
	}
	n, err := env.Kube.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	marked := n.Labels["oc-cnv.io/maintenance"] != ""
	for _, taint := range n.Spec.Taints {
		marked = marked || taint.Key == "medik8s.io/drain" || taint.Key == corev1.TaintNodeUnschedulable
	}
	if n.Spec.Unschedulable || marked {
		t.Fatalf("node %s was changed: unschedulable=%t taints=%v labels=%v", node, n.Spec.Unschedulable, n.Spec.Taints, n.Labels)
	}
}

func mtOneLine(t *testing.T, res framework.Result, code int, contains string) {
	t.Helper()
	if res.ExitCode != code {
		t.Fatalf("exit code %d, want %d\nstderr: %s", res.ExitCode, code, res.Stderr)
	}
	if lines := strings.Split(strings.TrimSpace(res.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], contains) {
		t.Fatalf("want one error line containing %q, got %q", contains, res.Stderr)
	}
}

// mtServedAPI returns the NodeMaintenance group/version the cluster serves ("" for none), as
// hack/cluster.sh up --nm-api chose it.
func mtServedAPI(t *testing.T, env *framework.Env) string {
	t.Helper()
	for _, gvr := range framework.NodeMaintenanceGVRs {
		list, err := env.Kube.Discovery().ServerResourcesForGroupVersion(gvr.GroupVersion().String())
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if r.Name == gvr.Resource {
				return gvr.GroupVersion().String()
			}
		}
	}
	return ""
}

// mtRequireOperator skips tests that need the medik8s operator on clusters started with
// another --nm-api (those run the API tests below instead).
func mtRequireOperator(t *testing.T) {
	t.Helper()
	if api := mtServedAPI(t, framework.Get(t)); api != mtNMGVR.GroupVersion().String() {
		t.Skipf("the cluster serves %q, not the medik8s operator's API (hack/cluster.sh up --nm-api=medik8s)", api)
	}
}

var mtAge = regexp.MustCompile(`\b\d+(s|m|h|d)(\d+(s|m))?\b`)

func TestMaintenanceMigratesRestartsListsDescribesAndStops(t *testing.T) {
	mtRequireOperator(t)
	env, ns, nodes := mtEstate(t, 3, func(n framework.TestNodes) string {
		// plain says None itself: the cluster default is LiveMigrate, as HCO sets it.
		return mtVM("live", n, "LiveMigrate", "", "") + mtVM("plain", n, "None", "", "")
	}, "live", "plain")
	n0 := nodes.Names[0]
	ctx := context.Background()
	// What changes from run to run in the golden files.
	vars := map[string]string{"NODE": n0, "NODE1": nodes.Names[1], "NODE2": nodes.Names[2], "NS": ns, "LABEL": nodes.Label}
	before := map[string]types.UID{}
	for _, name := range []string{"live", "plain"} {
		vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before[name] = vmi.UID
	}

	// Each step needs the one before it: a failed step ends the test.
	if !t.Run("start migrates one VM and restarts the other", func(t *testing.T) {
		// Piped and stdin not a terminal: no prompt, plain progress lines on stdout, nothing on
		// stderr.
		res := env.Run(t, "maintenance", "start", "--yes", n0, "--reason", "e2e DIMM swap")
		if res.ExitCode != 0 {
			t.Fatalf("start exited %d: %s", res.ExitCode, res.Stderr)
		}
		created := fmt.Sprintf("NodeMaintenance %[1]s-maintenance created for node %[1]s.\n", n0)
		i := strings.Index(res.Stdout, created)
		if i < 0 {
			t.Fatalf("stdout does not say the NodeMaintenance was created:\n%s", res.Stdout)
		}
		golden(t, "maintenance-start-plan.golden", res.Stdout[:i+len(created)], vars)
		for _, want := range []string{
			fmt.Sprintf("%s: VM %s/live Migrating (", n0, ns),
			fmt.Sprintf("%s: VM %s/live Migrated %s → ", n0, ns, n0),
			fmt.Sprintf("%s: VM %s/plain ShutDown", n0, ns),
			fmt.Sprintf("%s: Succeeded, drain 100%%, 2/2 pods evicted", n0),
			fmt.Sprintf("Node %s is in maintenance: 1 VM(s) live-migrated, 1 shut down, 2 pod(s) evicted.\n", n0),
		} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("stdout lacks %q", want)
			}
		}
		if res.Stderr != "" {
			t.Errorf("progress must not go to a piped stderr, got %q", res.Stderr)
		}
		live := env.WaitVMIRunning(t, ns, "live", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName != n0 })
		if live.UID != before["live"] {
			t.Errorf("the LiveMigrate VM was re-created instead of migrated")
		}
		plain := env.WaitVMIRunning(t, ns, "plain", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName != n0 })
		if plain.UID == before["plain"] {
			t.Errorf("the strategy-None VM was not shut down and re-created")
		}
		// The summary says where the shut-down VM runs again.
		if want := fmt.Sprintf("2 pod(s) evicted.\n  VM %s/plain was shut down and runs again on %s.\n", ns, plain.Status.NodeName); !strings.Contains(res.Stdout, want) {
			t.Errorf("the summary does not say where the shut-down VM came back; stdout lacks %q", want)
		}
	}) {
		return
	}

	if !t.Run("a second start follows the same maintenance", func(t *testing.T) {
		// Idempotent: a second start reports the maintenance and follows it (already Succeeded).
		res := env.Run(t, "maintenance", "start", "--yes", n0)
		if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, fmt.Sprintf("Node %[1]s is already in maintenance (NodeMaintenance %[1]s-maintenance, phase Succeeded).\n", n0)) {
			t.Fatalf("re-run: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		if nms := mtMaintenances(t, env, n0); len(nms) != 1 {
			t.Fatalf("re-run created another object: %d NodeMaintenances", len(nms))
		}
	}) {
		return
	}

	if !t.Run("list", func(t *testing.T) {
		// The row of this node, with the age normalised.
		res := env.Run(t, "maintenance", "list", "-o", "wide")
		if res.ExitCode != 0 {
			t.Fatalf("list: %s", res.Stderr)
		}
		header := strings.Fields(strings.SplitN(res.Stdout, "\n", 2)[0])
		if strings.Join(header, " ") != "NAME NODE PHASE DRAIN PODS REASON AGE LAST ERROR VMS" {
			t.Errorf("list header: %v", header)
		}
		var row string
		for _, l := range strings.Split(res.Stdout, "\n") {
			if strings.HasPrefix(l, n0+"-maintenance ") {
				row = strings.Join(strings.Fields(mtAge.ReplaceAllString(l, "AGE")), " ")
			}
		}
		if want := fmt.Sprintf("%[1]s-maintenance %[1]s Succeeded 100%% 2/2 e2e DIMM swap AGE <none> <none>", n0); row != want {
			t.Errorf("list row:\n%q\nwant\n%q", row, want)
		}
		res = env.Run(t, "maintenance", "list", "-o", "name")
		if !strings.Contains(res.Stdout, "nodemaintenance.nodemaintenance.medik8s.io/"+n0+"-maintenance\n") {
			t.Errorf("list -o name: %s", res.Stdout)
		}
	}) {
		return
	}

	if !t.Run("describe", func(t *testing.T) {
		// Exact text up to the events, which the control plane adds at its own pace.
		res := env.Run(t, "maintenance", "describe", n0)
		if res.ExitCode != 0 {
			t.Fatalf("describe: %s", res.Stderr)
		}
		got := res.Stdout
		if i := strings.Index(got, "\nEvents:"); i >= 0 {
			got = got[:i+1]
		} else {
			t.Errorf("describe has no Events section")
		}
		got = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ( \([^)]*\))?`).ReplaceAllString(got, "TIME")
		golden(t, "maintenance-describe-succeeded.golden", got, vars)
		mtAssertDescribeEvents(t, env, ns, n0, "live")
	}) {
		return
	}

	t.Run("stop", func(t *testing.T) {
		// The node takes workloads again; VMs do not move back.
		res := env.Run(t, "maintenance", "stop", n0)
		wantStop := fmt.Sprintf("NodeMaintenance %[1]s-maintenance deleted for node %[1]s.\nNode %[1]s is schedulable again. VMs that moved away during the maintenance stay on their new nodes; they do not move back.\n", n0)
		if res.ExitCode != 0 || res.Stdout != wantStop {
			t.Fatalf("stop: exit %d\n%s\nwant\n%s\n%s", res.ExitCode, res.Stdout, wantStop, res.Stderr)
		}
		// The node controller mirrors spec.unschedulable into its taint asynchronously: a taint
		// it re-adds from an older view of the node goes again shortly, so wait for the settled
		// state.
		framework.WaitFor(t, 30*time.Second, "node "+n0+" released", func() (bool, error) {
			n, err := env.Kube.CoreV1().Nodes().Get(ctx, n0, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if n.Spec.Unschedulable || len(n.Spec.Taints) != 1 {
				return false, fmt.Errorf("unschedulable=%t taints=%v", n.Spec.Unschedulable, n.Spec.Taints)
			}
			return true, nil
		})
		if len(mtMaintenances(t, env, n0)) != 0 {
			t.Errorf("NodeMaintenance still exists after stop")
		}
		for _, name := range []string{"live", "plain"} {
			vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil || vmi.Status.NodeName == n0 {
				t.Errorf("VMI %s moved back to %s (err %v)", name, n0, err)
			}
		}
		mtOneLine(t, env.Run(t, "maintenance", "stop", n0), 2, fmt.Sprintf("node %s is not in maintenance", n0))
	})
}

func TestMaintenanceRefusesBlockingVMUnlessForced(t *testing.T) {
	mtRequireOperator(t)
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		return framework.RWOClaimYAML + mtVM("rwo", n, "LiveMigrate", "", framework.RWOVolumeYAML) + mtVM("live", n, "LiveMigrate", "", "")
	}, "rwo", "live")
	n0 := nodes.Names[0]

	res := env.Run(t, "maintenance", "start", "--yes", n0)
	if res.ExitCode != 4 {
		t.Fatalf("exit %d, want 4 (blocked)\n%s", res.ExitCode, res.Stderr)
	}
	for _, want := range []string{
		"refusing to start maintenance on node " + n0 + ": 1 VM(s) would block the drain",
		ns + "/rwo: evictionStrategy LiveMigrate but DisksNotLiveMigratable",
		"pass --force",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("refusal lacks %q:\n%s", want, res.Stderr)
		}
	}
	if !strings.Contains(res.Stdout, "  Will block the drain (1):\n    "+ns+"/rwo  LiveMigrate  not live-migratable: DisksNotLiveMigratable") {
		t.Errorf("plan does not show the blocking VM:\n%s", res.Stdout)
	}
	mtAssertUntouched(t, env, n0)

	// --force: the drain starts, the migratable VM leaves, and the wait ends as stuck on rwo.
	res = env.Run(t, "maintenance", "start", "--yes", n0, "--force", "--stall-timeout", "8s")
	if res.ExitCode != 4 {
		t.Fatalf("exit %d, want 4 (stuck)\n%s", res.ExitCode, res.Stderr)
	}
	for _, want := range []string{
		"the drain of node " + n0 + " is stuck",
		"the maintenance stays in place",
		"VM " + ns + "/rwo: Blocked: not live-migratable: DisksNotLiveMigratable",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stuck report lacks %q:\n%s", want, res.Stderr)
		}
	}
	if strings.Contains(res.Stderr, "VM "+ns+"/live:") {
		t.Errorf("the migrated VM is reported as left on the node:\n%s", res.Stderr)
	}
	if len(mtMaintenances(t, env, n0)) != 1 {
		t.Errorf("the maintenance must stay in place")
	}
	env.WaitVMIRunning(t, ns, "live", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName != n0 })
	if res := env.Run(t, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Fatalf("stop: %s", res.Stderr)
	}
}

func TestMaintenanceDryRunWritesNothing(t *testing.T) {
	mtRequireOperator(t)
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("live", n, "LiveMigrate", "", "") }, "live")
	n0 := nodes.Names[0]
	for _, mode := range []string{"client", "server"} {
		res := env.Run(t, "maintenance", "start", n0, "--dry-run="+mode, "--reason", "r")
		if res.ExitCode != 0 {
			t.Fatalf("dry-run=%s: exit %d: %s", mode, res.ExitCode, res.Stderr)
		}
		for _, want := range []string{"    " + ns + "/live  LiveMigrate\n", "kind: NodeMaintenance\n", "  nodeName: " + n0 + "\n", "(dry run: nothing was changed)\n"} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("dry-run=%s output lacks %q:\n%s", mode, want, res.Stdout)
			}
		}
		mtAssertUntouched(t, env, n0)
	}
	res := env.Run(t, "maintenance", "start", n0, "--method=drain", "--dry-run")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Would cordon node "+n0) {
		t.Fatalf("drain dry run: %d %s %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
	vmi := env.WaitVMIRunning(t, ns, "live", func(*virtv1.VirtualMachineInstance) bool { return true })
	if vmi.Status.NodeName != n0 {
		t.Errorf("dry run moved the VM")
	}
}

func TestMaintenanceBadInputLeavesNothingBehind(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	typo := n0[:len(n0)-1] + "9"
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"maintenance", "start"}, 2, "name at least one node"},
		{[]string{"maintenance", "start", typo}, 2, fmt.Sprintf("node %q not found; did you mean %q", typo, n0)},
		{[]string{"maintenance", "start", "Bad_Name"}, 2, "is not a valid node name"},
		{[]string{"maintenance", "start", n0, "-l", "a=b"}, 2, "not both"},
		{[]string{"maintenance", "start", n0, nodes.Names[1], "--name", "x"}, 2, "--name can only be used with a single node"},
		{[]string{"maintenance", "start", n0, "--method=drain", "--wait=false"}, 2, "drop --wait=false"},
		{[]string{"maintenance", "start", n0, "--dry-run=often"}, 2, "--dry-run must be"},
		{[]string{"maintenance", "start", n0, "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"maintenance", "start", n0, nodes.Names[1], "-l", "x"}, 2, "not both"},
		{[]string{"maintenance", "stop", n0}, 2, "is not in maintenance"},
		{[]string{"maintenance", "stop"}, 2, "name at least one node, or use --all"},
		{[]string{"maintenance", "describe", typo}, 2, "not found"},
		{[]string{"maintenance", "list", "-o", "table"}, 2, `unknown output format "table": use wide, json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, or leave out -o for the table`},
	}
	for _, tc := range cases {
		mtOneLine(t, env.Run(t, tc.args...), tc.code, tc.contains)
		mtAssertUntouched(t, env, n0)
	}

	// A user who may read but not create NodeMaintenances is stopped before any write.
	kc := mtRestrictedKubeconfig(t, env)
	res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "maintenance", "start", "--yes", n0)
	mtOneLine(t, res, 5, "you are not allowed to create nodemaintenances.nodemaintenance.medik8s.io")
	mtAssertUntouched(t, env, n0)
}

// mtRestrictedKubeconfig writes a kubeconfig for a service account that may only read nodes,
// NodeMaintenances and VMIs.
func mtRestrictedKubeconfig(t *testing.T, env *framework.Env) string {
	t.Helper()
	ctx := context.Background()
	ns := env.Namespace(t)
	name := "reader-" + framework.ID(t)
	if _, err := env.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes", "pods"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"nodemaintenance.medik8s.io", "kubevirt.io"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}},
	}}
	if _, err := env.Kube.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "reader", Namespace: ns}}}
	if _, err := env.Kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = env.Kube.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	tok, err := env.Kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "reader", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return env.TokenKubeconfig(t, tok.Status.Token)
}

func TestMaintenanceTimeoutLeavesMaintenanceInPlace(t *testing.T) {
	mtRequireOperator(t)
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("slow", n, "LiveMigrate", "10m", "") }, "slow")
	n0 := nodes.Names[0]
	res := env.Run(t, "maintenance", "start", "--yes", n0, "--timeout", "6s")
	if res.ExitCode != 3 {
		t.Fatalf("exit %d, want 3 (timeout)\n%s", res.ExitCode, res.Stderr)
	}
	for _, want := range []string{"timed out after 6s waiting for node " + n0 + " to be drained", "the maintenance stays in place", "VM " + ns + "/slow: Migrating"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("timeout report lacks %q:\n%s", want, res.Stderr)
		}
	}
	if len(mtMaintenances(t, env, n0)) != 1 {
		t.Errorf("the maintenance must stay in place after a timeout")
	}
}

func TestMaintenanceInterruptSaysHowToStop(t *testing.T) {
	mtRequireOperator(t)
	env, _, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("slow", n, "LiveMigrate", "10m", "") }, "slow")
	n0 := nodes.Names[0]
	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", "--yes", n0)
	p.WaitOutput(t, 60*time.Second, "Migrating")
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	res := p.Wait(t, 20*time.Second)
	if res.ExitCode != 130 {
		t.Fatalf("exit %d, want 130", res.ExitCode)
	}
	want := fmt.Sprintf("error: stopped waiting; node %[1]s stays in maintenance. To end it: oc cnv maintenance stop %[1]s\n", n0)
	if res.Stderr != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
	if len(mtMaintenances(t, env, n0)) != 1 {
		t.Errorf("Ctrl-C must leave the maintenance in place")
	}
}

func TestMaintenanceSeveralNodesOneAtATime(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	ns := env.Namespace(t)
	nodes := env.Nodes(t, 3)
	n0, n1, n2 := nodes.Names[0], nodes.Names[1], nodes.Names[2]
	env.Cordon(t, []string{n1, n2}, true)
	env.Apply(t, ns, mtVM("a", nodes, "LiveMigrate", "", ""))
	env.WaitVMIRunning(t, ns, "a", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == n0 })
	env.Cordon(t, []string{n1}, false)
	env.Cordon(t, []string{n0}, true)
	env.Apply(t, ns, mtVM("b", nodes, "LiveMigrate", "", ""))
	env.WaitVMIRunning(t, ns, "b", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == n1 })
	env.Cordon(t, []string{n0, n2}, false)

	res := env.Run(t, "maintenance", "start", "--yes", n0, n1, "--reason", "rack")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	doneN0 := strings.Index(res.Stdout, "Node "+n0+" is in maintenance")
	createdN1 := strings.Index(res.Stdout, "NodeMaintenance "+n1+"-maintenance created")
	if doneN0 < 0 || createdN1 < 0 || doneN0 > createdN1 {
		t.Errorf("nodes were not drained one after the other:\n%s", res.Stdout)
	}
	if !strings.HasSuffix(res.Stdout, "All 2 nodes are in maintenance.\n") {
		t.Errorf("no final line:\n%s", res.Stdout)
	}
	for _, name := range []string{"a", "b"} {
		env.WaitVMIRunning(t, ns, name, func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == n2 })
	}
	res = env.Run(t, "maintenance", "stop", n0, n1)
	if res.ExitCode != 0 {
		t.Fatalf("stop: %s", res.Stderr)
	}

	// --max-concurrent 2: both maintenances are created before either finishes.
	res = env.Run(t, "maintenance", "start", "--yes", n2, n0, "--max-concurrent", "2")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	firstDone := strings.Index(res.Stdout, " is in maintenance:")
	for _, n := range []string{n2, n0} {
		if i := strings.Index(res.Stdout, "NodeMaintenance "+n+"-maintenance created"); i < 0 || i > firstDone {
			t.Errorf("%s did not start before the first node finished:\n%s", n, res.Stdout)
		}
	}
	for _, name := range []string{"a", "b"} {
		env.WaitVMIRunning(t, ns, name, func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == n1 })
	}
	if res := env.Run(t, "maintenance", "stop", n2, n0); res.ExitCode != 0 {
		t.Fatalf("stop: %s", res.Stderr)
	}

	// Capacity is checked for the whole set: a selector matching every node leaves none.
	mtOneLine(t, env.Run(t, "maintenance", "start", "--dry-run", "-l", "!oc-cnv.io/no-such-label", "--force"), 4, "this cannot be overridden, not even with --force: the drain would evict them with nowhere to run")
}

func TestMaintenanceMethodDrainWithoutOperatorObject(t *testing.T) {
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		return mtVM("live", n, "LiveMigrate", "", "") + mtVM("plain", n, "None", "", "")
	}, "live", "plain")
	n0 := nodes.Names[0]
	res := env.Run(t, "maintenance", "start", "--yes", n0, "--method=drain", "--reason", "no operator")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	if !strings.Contains(res.Stdout, fmt.Sprintf("%s: VM %s/live Migrated %s → ", n0, ns, n0)) ||
		!strings.Contains(res.Stdout, "Node "+n0+" is in maintenance: 1 VM(s) live-migrated, 1 shut down") {
		t.Errorf("drain progress:\n%s", res.Stdout)
	}
	if len(mtMaintenances(t, env, n0)) != 0 {
		t.Errorf("--method=drain must not create a NodeMaintenance")
	}
	n, err := env.Kube.CoreV1().Nodes().Get(context.Background(), n0, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tainted := false
	for _, tn := range n.Spec.Taints {
		tainted = tainted || (tn.Key == "medik8s.io/drain" && tn.Effect == corev1.TaintEffectNoSchedule)
	}
	if !n.Spec.Unschedulable || !tainted || n.Labels["oc-cnv.io/maintenance"] != "drain" {
		t.Errorf("node not cordoned, tainted and marked: %+v %v", n.Spec, n.Labels)
	}
	// The evacuation's refusals (KubeVirt's 429 while the VM migrates) are not left behind once
	// the drain is done.
	if msg, ok := n.Annotations["oc-cnv.io/maintenance-last-error"]; ok {
		t.Errorf("a finished drain left its last error on the node: %q", msg)
	}
	res = env.Run(t, "maintenance", "list")
	found := false
	for _, l := range strings.Split(res.Stdout, "\n") {
		if f := strings.Fields(mtAge.ReplaceAllString(l, "AGE")); len(f) > 2 && f[1] == n0 {
			found = strings.Join(f, " ") == "<drain> "+n0+" Succeeded 100% - no operator AGE"
			if !found {
				t.Errorf("list row: %q", strings.Join(f, " "))
			}
		}
	}
	if !found {
		t.Errorf("list does not show the drained node:\n%s", res.Stdout)
	}
	res = env.Run(t, "maintenance", "describe", n0)
	if !strings.HasPrefix(res.Stdout, "Name:     <none> (drained by oc-cnv --method=drain)\nNode:     "+n0+"\nReason:   no operator\n") ||
		!strings.Contains(res.Stdout, "  Pending Pods:    <none>\n  Last Error:      <none>\n") {
		t.Errorf("describe:\n%s", res.Stdout)
	}
	res = env.Run(t, "maintenance", "stop", n0)
	if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "Node "+n0+" uncordoned and its drain taint removed.\n") {
		t.Fatalf("stop: %d %s %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}

func TestMaintenanceTerminalProgressAndPrompt(t *testing.T) {
	mtRequireOperator(t)
	env, _, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("live", n, "LiveMigrate", "3s", "") }, "live")
	n0 := nodes.Names[0]

	// At a terminal the command asks; anything but yes changes nothing.
	p, tty := env.StartTTY(t, framework.RunOptions{}, 120, 40, "maintenance", "start", n0)
	p.WaitOutput(t, 30*time.Second, "[y/N]: ")
	if _, err := tty.Write([]byte("n\n")); err != nil {
		t.Fatal(err)
	}
	// The pty is read in the background: wait for the last words before the exit status.
	p.WaitOutput(t, 20*time.Second, "Nothing was changed.")
	if res := p.Wait(t, 20*time.Second); res.ExitCode != 8 {
		t.Fatalf("declined prompt: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	mtAssertUntouched(t, env, n0)

	// With --yes: the live block is redrawn in place and ends at 100%.
	p, _ = env.StartTTY(t, framework.RunOptions{}, 120, 40, "maintenance", "start", n0, "--yes")
	p.WaitOutput(t, 120*time.Second, "Node "+n0+" is in maintenance")
	res := p.Wait(t, 20*time.Second)
	res.Stdout, _ = p.Output()
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", res.ExitCode, res.Stdout)
	}
	if !strings.Contains(res.Stdout, "\x1b[") || !strings.Contains(res.Stdout, n0+"  Succeeded  drain 100%") ||
		!strings.Contains(res.Stdout, "Node "+n0+" is in maintenance: 1 VM(s) live-migrated") {
		t.Errorf("terminal output:\n%q", res.Stdout)
	}
	if strings.Contains(res.Stdout, n0+": Running, drain") {
		t.Errorf("plain log lines on a terminal:\n%q", res.Stdout)
	}
}

// TestMaintenanceOlderAPIGroups runs on clusters started with --nm-api=kubevirt or
// --nm-api=v1alpha1, which serve only the older operators' CRD (no operator reconciles it):
// the object is written in that group, and list, describe and stop find it there.
func TestMaintenanceOlderAPIGroups(t *testing.T) {
	env := framework.Get(t)
	api := mtServedAPI(t, env)
	if api == "" || api == mtNMGVR.GroupVersion().String() {
		t.Skipf("the cluster serves %q; start one with hack/cluster.sh up --nm-api=kubevirt or --nm-api=v1alpha1", api)
	}
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	res := env.Run(t, "maintenance", "start", "--yes", n0, "--wait=false", "--reason", "old api")
	if res.ExitCode != 0 || !strings.HasSuffix(res.Stdout, "NodeMaintenance "+n0+"-maintenance created for node "+n0+".\n") {
		t.Fatalf("start: %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	nms := mtMaintenances(t, env, n0)
	if len(nms) != 1 || nms[0].GetAPIVersion() != api {
		t.Fatalf("want one NodeMaintenance in %s, got %d (%v)", api, len(nms), nms)
	}
	res = env.Run(t, "maintenance", "list")
	found := false
	for _, l := range strings.Split(res.Stdout, "\n") {
		f := strings.Fields(mtAge.ReplaceAllString(l, "AGE"))
		if len(f) > 1 && f[1] == n0 {
			found = true
			// No operator: nothing is reported, and nothing reads as a drain stuck at 0%.
			if got := strings.Join(f, " "); got != n0+"-maintenance "+n0+" Pending - - old api AGE" {
				t.Errorf("list row %q", got)
			}
		}
	}
	if !found {
		t.Errorf("list lacks the node:\n%s", res.Stdout)
	}
	res = env.Run(t, "maintenance", "describe", n0)
	group, version, _ := strings.Cut(api, "/")
	if !strings.Contains(res.Stdout, "API:      nodemaintenances."+group+"/"+version+"\n") {
		t.Errorf("describe does not name the API:\n%s", res.Stdout)
	}
	// Following it: no operator reconciles this CRD here, so the wait warns and then times out.
	res = env.Run(t, "maintenance", "start", "--yes", n0, "--timeout", "8s", "--stall-timeout", "1m")
	if !strings.HasPrefix(res.Stdout, "Node "+n0+" is already in maintenance (NodeMaintenance "+n0+"-maintenance, phase not reported yet).") || res.ExitCode != 3 {
		t.Errorf("re-run: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	mtOlderOperatorStatus(t, env, api, n0)
	if res := env.RunWith(t, framework.RunOptions{}, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Fatalf("stop: %s", res.Stderr)
	}
	if len(mtMaintenances(t, env, n0)) != 0 {
		t.Errorf("stop left the object")
	}
}

// mtOlderOperatorStatus writes the status the older operators wrote, with a drainProgress no
// older operator had (the API server prunes it), and checks list and describe derive the
// progress from what the generation does report.
func mtOlderOperatorStatus(t *testing.T, env *framework.Env, api, node string) {
	t.Helper()
	ctx := context.Background()
	var gvr schema.GroupVersionResource
	for _, g := range framework.NodeMaintenanceGVRs {
		if g.GroupVersion().String() == api {
			gvr = g
		}
	}
	v1alpha1 := api == "kubevirt.io/v1alpha1"
	pending := []interface{}{"default/virt-launcher-a"}
	if v1alpha1 {
		// That generation listed the Pod objects themselves.
		pending = []interface{}{map[string]interface{}{"metadata": map[string]interface{}{"namespace": "default", "name": "virt-launcher-a"}}}
	}
	for _, step := range []struct {
		status        map[string]interface{}
		row, describe string
		v1alpha1Row   string
		v1alpha1Descr string
	}{
		{map[string]interface{}{"phase": "Running", "drainProgress": int64(37), "evictionPods": int64(4), "totalpods": int64(6), "pendingPods": pending},
			"Running 75% 3/4", "  Drain Progress:  75%\n  Pods Evicted:    3 of 4 (6 on the node at start)\n  Pending Pods:    default/virt-launcher-a\n",
			"Running - -", "  Drain Progress:  <unknown>\n  Pods Evicted:    <unknown>\n  Pending Pods:    default/virt-launcher-a\n"},
		{map[string]interface{}{"phase": "Succeeded", "drainProgress": int64(0), "evictionPods": int64(4), "totalpods": int64(6)},
			"Succeeded 100% 4/4", "  Drain Progress:  100%\n  Pods Evicted:    4 of 4 (6 on the node at start)\n",
			"Succeeded 100% -", "  Drain Progress:  100%\n  Pods Evicted:    <unknown>\n"},
	} {
		nm, err := env.Dynamic.Resource(gvr).Get(ctx, node+"-maintenance", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		nm.Object["status"] = step.status
		if _, err := env.Dynamic.Resource(gvr).UpdateStatus(ctx, nm, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("writing the status: %v", err)
		}
		row, describe := step.row, step.describe
		if v1alpha1 {
			row, describe = step.v1alpha1Row, step.v1alpha1Descr
		}
		want := node + "-maintenance " + node + " " + row + " old api AGE"
		res := env.Run(t, "maintenance", "list")
		got := ""
		for _, l := range strings.Split(res.Stdout, "\n") {
			if f := strings.Fields(mtAge.ReplaceAllString(l, "AGE")); len(f) > 1 && f[1] == node {
				got = strings.Join(f, " ")
			}
		}
		if got != want {
			t.Errorf("status %v: list row %q, want %q", step.status, got, want)
		}
		res = env.Run(t, "maintenance", "describe", node)
		if !strings.Contains(res.Stdout, describe) {
			t.Errorf("status %v: describe lacks\n%s\nin\n%s", step.status, describe, res.Stdout)
		}
	}
}

// TestMaintenanceWithoutAnyAPI runs on a cluster started with --nm-api=none.
func TestMaintenanceWithoutAnyAPI(t *testing.T) {
	env := framework.Get(t)
	if api := mtServedAPI(t, env); api != "" {
		t.Skipf("the cluster serves %s; start one with hack/cluster.sh up --nm-api=none", api)
	}
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	res := env.Run(t, "maintenance", "start", n0, "--yes")
	mtOneLine(t, res, 6, "no NodeMaintenance API is served by this cluster")
	if !strings.Contains(res.Stderr, "install the Node Maintenance Operator") || !strings.Contains(res.Stderr, "--method=drain") {
		t.Errorf("no remedy in %q", res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
	res = env.Run(t, "maintenance", "list")
	if res.ExitCode != 0 || res.Stdout != "No nodes are in maintenance.\n" {
		t.Errorf("list: %d %q %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = env.Run(t, "maintenance", "start", "--yes", n0, "--method=drain", "--reason", "no api")
	if res.ExitCode != 0 {
		t.Fatalf("drain: %s", res.Stderr)
	}
	res = env.Run(t, "maintenance", "stop", n0)
	if res.ExitCode != 0 {
		t.Fatalf("stop: %s", res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}

// TestMaintenanceStopReportsStuckObject holds the NodeMaintenance with an extra finalizer, as a
// stopped operator would, and checks that stop says so after --timeout.
func TestMaintenanceStopReportsStuckObject(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	if res := env.Run(t, "maintenance", "start", "--yes", n0); res.ExitCode != 0 {
		t.Fatalf("start: %s", res.Stderr)
	}
	ctx := context.Background()
	name := n0 + "-maintenance"
	res := env.Dynamic.Resource(mtNMGVR)
	patch := []byte(`{"metadata":{"finalizers":["foregroundDeleteNodeMaintenance","oc-cnv.io/e2e-hold"]}}`)
	if _, err := res.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = res.Patch(context.Background(), name, types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{})
	})
	out := env.Run(t, "maintenance", "stop", n0, "--timeout", "5s")
	mtOneLine(t, out, 3, "NodeMaintenance "+name+" for node "+n0+" is still being deleted (finalizers: oc-cnv.io/e2e-hold)")
	if !strings.Contains(out.Stderr, "check that the Node Maintenance Operator is running") {
		t.Errorf("no advice in %q", out.Stderr)
	}
}

// TestMaintenanceFailedPhase ends a wait on phase Failed. The operator only fails a
// maintenance after repeated lease errors, which this cluster cannot produce, so the test
// writes the Failed status itself while the drain is held by a VM that cannot move.
func TestMaintenanceFailedPhase(t *testing.T) {
	mtRequireOperator(t)
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		return framework.RWOClaimYAML + mtVM("rwo", n, "LiveMigrate", "", framework.RWOVolumeYAML)
	}, "rwo")
	n0 := nodes.Names[0]
	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", "--yes", n0, "--force", "--stall-timeout", "5m")
	p.WaitOutput(t, 60*time.Second, n0+": Running")
	ctx := context.Background()
	res := env.Dynamic.Resource(mtNMGVR)
	nm, err := res.Get(ctx, n0+"-maintenance", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(nm.Object, "Failed", "status", "phase")
	_ = unstructured.SetNestedField(nm.Object, "lease could not be obtained", "status", "lastError")
	if _, err := res.UpdateStatus(ctx, nm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	out := p.Wait(t, 60*time.Second)
	if out.ExitCode != 4 {
		t.Fatalf("exit %d, want 4", out.ExitCode)
	}
	for _, want := range []string{"maintenance of node " + n0 + " failed", "VM " + ns + "/rwo: Blocked", "last error: lease could not be obtained"} {
		if !strings.Contains(out.Stderr, want) {
			t.Errorf("failure report lacks %q:\n%s", want, out.Stderr)
		}
	}
}

// A start that passes its checks but loses the race to create (another run created the same
// node's NodeMaintenance in between) treats the node as already in maintenance: it names the
// existing object, follows it and exits 0; nothing is duplicated. The proxy creates the other
// run's object just before letting this run's create through, so the race is lost every time.
// A name held by another node's maintenance is still refused with the --name advice (exit 2).
func TestMaintenanceStartLosingCreateRaceFollowsExisting(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	nodes := env.Nodes(t, 3)
	n0, n1 := nodes.Names[0], nodes.Names[1]
	newNM := func(name, node string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": mtNMGVR.GroupVersion().String(), "kind": "NodeMaintenance",
			"metadata": map[string]interface{}{"name": name},
			"spec":     map[string]interface{}{"nodeName": node, "reason": "the other run"},
		}}
	}
	proxy := newAPIProxy(t, env)
	kc := proxy.Kubeconfig(t)
	var raced atomic.Bool
	proxy.SetFault(func(r *http.Request) int {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/nodemaintenances") && !raced.Swap(true) {
			if _, err := env.Dynamic.Resource(mtNMGVR).Create(context.Background(), newNM(n0+"-maintenance", n0), metav1.CreateOptions{}); err != nil {
				t.Errorf("creating the other run's NodeMaintenance: %v", err)
			}
		}
		return 0
	})
	res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "maintenance", "start", n0, "--yes", "--reason", "mine", "--timeout", "2m")
	if !raced.Load() {
		t.Fatal("the command never tried to create the NodeMaintenance")
	}
	if res.ExitCode != 0 || res.Stderr != "" {
		t.Fatalf("the run that lost the race: exit %d, want 0 and nothing on stderr\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"Node " + n0 + " is already in maintenance (NodeMaintenance " + n0 + "-maintenance", "Node " + n0 + " is in maintenance:"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "created for node") {
		t.Errorf("the run that lost the race claims to have created the maintenance:\n%s", res.Stdout)
	}
	if nms := mtMaintenances(t, env, n0); len(nms) != 1 {
		t.Fatalf("%d NodeMaintenances for %s, want exactly 1", len(nms), n0)
	} else if r, _, _ := unstructured.NestedString(nms[0].Object, "spec", "reason"); r != "the other run" {
		t.Errorf("the existing NodeMaintenance was changed: reason %q", r)
	}

	// The name belongs to another node's maintenance: one line, exit 2, nothing written for n2.
	n2 := nodes.Names[2]
	taken := "taken-" + framework.ID(t)
	if _, err := env.Dynamic.Resource(mtNMGVR).Create(context.Background(), newNM(taken, n1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	res = env.Run(t, "maintenance", "start", n2, "--yes", "--name", taken)
	mtOneLine(t, res, 2, fmt.Sprintf("a NodeMaintenance named %q already exists for node %s, not %s; choose another name with --name", taken, n1, n2))
	mtAssertUntouched(t, env, n2)
}
