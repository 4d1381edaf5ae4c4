//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// These tests cover a NodeMaintenance that nothing processes: the operator's process is stopped
// while its admission webhook stays registered (the API server refuses the object), and an API
// that is served without any operator (the object is written, and nobody ever reports on it).

// osClusterScript runs hack/cluster.sh with args for the cluster under test, after making sure
// the script's cluster (OC_CNV_CLUSTER, inherited from make) is the one the tests talk to; the
// test is skipped when it is not, so it never stops the operator of another cluster.
func osClusterScript(t *testing.T, env *framework.Env, args ...string) {
	t.Helper()
	script := filepath.Join(framework.RepoRoot(), "hack", "cluster.sh")
	out, err := exec.Command(script, "kubeconfig").Output()
	if err != nil {
		t.Fatalf("%s kubeconfig: %v", script, err)
	}
	if !sameFile(strings.TrimSpace(string(out)), env.Kubeconfig) {
		cluster := os.Getenv("OC_CNV_CLUSTER")
		if cluster == "" {
			cluster = "oc-cnv (the default)"
		}
		t.Skipf("OC_CNV_E2E_KUBECONFIG=%s is not the kubeconfig of hack/cluster.sh's cluster %s (%s); skipping rather than stopping another cluster's operator: set OC_CNV_CLUSTER to the name of the cluster under test",
			env.Kubeconfig, cluster, strings.TrimSpace(string(out)))
	}
	if len(args) == 0 {
		return
	}
	cmd := exec.Command(script, args...)
	started := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("hack/cluster.sh %s took %s", strings.Join(args, " "), time.Since(started).Round(100*time.Millisecond))
}

// osSettledNode waits until the controller-manager has finished with a new node (its node
// lifecycle controller removes the not-ready taint and copies the beta labels, its ttl
// controller sets the ttl annotation) and returns it, so that a later change of its labels,
// annotations or spec can only come from the command under test.
func osSettledNode(t *testing.T, env *framework.Env, name string) *corev1.Node {
	t.Helper()
	var node *corev1.Node
	framework.WaitFor(t, 30*time.Second, "the controller-manager to settle node "+name, func() (bool, error) {
		n, err := env.Kube.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if _, ok := n.Annotations["node.alpha.kubernetes.io/ttl"]; !ok {
			return false, nil
		}
		// The node lifecycle controller copies the stable os and arch labels to their beta
		// names in a pass of its own, which can come after the taints are gone.
		for stable, beta := range map[string]string{corev1.LabelOSStable: "beta.kubernetes.io/os", corev1.LabelArchStable: "beta.kubernetes.io/arch"} {
			if v, ok := n.Labels[stable]; ok && n.Labels[beta] != v {
				return false, nil
			}
		}
		for _, taint := range n.Spec.Taints {
			if taint.Key == corev1.TaintNodeNotReady || taint.Key == corev1.TaintNodeUnreachable {
				return false, nil
			}
		}
		node = n
		return true, nil
	})
	return node
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// TestMaintenanceOperatorStoppedRefusesStart stops the real operator's process; its validating
// webhook stays registered, as when the operator's Deployment is scaled to 0, so the API server
// refuses to create the NodeMaintenance. start says so in one line, exits 6 (unavailable) and
// changes nothing. Not parallel: Go runs the sequential top-level tests before the parallel
// ones, so no other test of this run needs the operator while it is stopped.
func TestMaintenanceOperatorStoppedRefusesStart(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	osClusterScript(t, env) // skips on a cluster the script does not manage
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	ctx := context.Background()
	before := osSettledNode(t, env, n0)

	// Registered first so that it runs last, whatever fails in between.
	t.Cleanup(func() { osClusterScript(t, env, "operator", "start") })
	osClusterScript(t, env, "operator", "stop")

	res := env.Run(t, "maintenance", "start", "--yes", n0, "--reason", "x", "--force", "--wait")
	mtOneLine(t, res, 6, "the Node Maintenance Operator is not answering")
	for _, want := range []string{
		`error: cannot start the maintenance of node ` + n0 + `: the Node Maintenance Operator is not answering (the API server could not call its admission webhook "vnodemaintenance.kb.io": `,
		"connection refused",
		"nothing was changed",
		"check that the Node Maintenance Operator is running",
		"or use --method=drain",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.Stderr)
		}
	}
	mtAssertUntouched(t, env, n0)
	after, err := env.Kube.CoreV1().Nodes().Get(ctx, n0, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b, a := nodeWritable(before), nodeWritable(after); a != b {
		t.Errorf("node %s was written (resourceVersion %s before, %s after):\nbefore %s\nafter  %s", n0, before.ResourceVersion, after.ResourceVersion, b, a)
	}

	// Started again, the operator's webhook answers: the same request passes its validation.
	osClusterScript(t, env, "operator", "start")
	res = env.Run(t, "maintenance", "start", n0, "--reason", "x", "--dry-run=server")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "(dry run: nothing was changed)") {
		t.Fatalf("after the restart: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}

// TestMaintenanceNoOperatorWarnsAfterGrace runs on the clusters of `make e2e-apis` that serve an
// older NodeMaintenance API as a CRD only: the object is created, but no operator ever reports
// on it. After the grace period (30s) start --wait warns on stderr that nothing processes the
// request and keeps waiting; Ctrl-C then says how to end the maintenance.
func TestMaintenanceNoOperatorWarnsAfterGrace(t *testing.T) {
	env := framework.Get(t)
	api := mtServedAPI(t, env)
	if api == "" || api == mtNMGVR.GroupVersion().String() {
		t.Skipf("the cluster serves %q; start one with hack/cluster.sh up --nm-api=kubevirt or --nm-api=v1alpha1", api)
	}
	t.Parallel()
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	name := n0 + "-maintenance"

	started := time.Now()
	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", "--yes", n0, "--reason", "x", "--force", "--wait", "--timeout", "2m")
	warning := "warning: no operator has reported on NodeMaintenance " + name + " after 30s; check that the Node Maintenance Operator is running and serves " + api + "\n"
	p.WaitOutput(t, 90*time.Second, warning)
	if waited := time.Since(started); waited < 30*time.Second {
		t.Errorf("the warning came after %s, before the 30s grace period", waited)
	}
	stdout, stderr := p.Output()
	if stderr != warning {
		t.Errorf("stderr %q, want only the warning %q", stderr, warning)
	}
	if !strings.Contains(stdout, "NodeMaintenance "+name+" created for node "+n0+".\n") {
		t.Errorf("stdout does not report the creation:\n%s", stdout)
	}
	if nms := mtMaintenances(t, env, n0); len(nms) != 1 || nms[0].GetAPIVersion() != api {
		t.Fatalf("want one NodeMaintenance in %s while waiting, got %d", api, len(nms))
	}

	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	res := p.Wait(t, 20*time.Second)
	if res.ExitCode != 130 {
		t.Fatalf("exit %d, want 130", res.ExitCode)
	}
	stop := "error: stopped waiting; node " + n0 + " stays in maintenance. To end it: oc cnv maintenance stop " + n0 + "\n"
	if !strings.HasSuffix(res.Stderr, stop) || strings.Count(res.Stderr, "\n") != 2 {
		t.Errorf("stderr %q, want the warning and then %q", res.Stderr, stop)
	}
	if len(mtMaintenances(t, env, n0)) != 1 {
		t.Errorf("Ctrl-C must leave the maintenance in place")
	}

	if res := env.Run(t, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Fatalf("stop: exit %d: %s", res.ExitCode, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}
