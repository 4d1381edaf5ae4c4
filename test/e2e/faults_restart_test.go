//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The API server (with etcd and the whole control plane) restarted in the middle of a command.
// A command must reconnect and finish, or fail with one clear line and leave a state that a
// re-run completes. The shared test cluster cannot be restarted under the other tests, so these
// run only on a cluster of their own: `make e2e-restart` makes one and sets
// OC_CNV_E2E_RESTARTABLE; elsewhere they skip, saying so.
const restartableEnv = "OC_CNV_E2E_RESTARTABLE"

func restartableCluster(t *testing.T) *framework.Env {
	t.Helper()
	if os.Getenv(restartableEnv) != "1" {
		t.Skipf("restarts the control plane, so it runs only on a cluster of its own: `make e2e-restart` (%s=1)", restartableEnv)
	}
	return framework.Get(t)
}

// kwokctl returns the kwokctl that hack/cluster.sh built, and the environment that points it at
// the cluster's state, both found from the kubeconfig's place in the cache.
func kwokctl(t *testing.T, env *framework.Env) (string, []string) {
	t.Helper()
	state := filepath.Dir(env.Kubeconfig)
	cache := filepath.Dir(filepath.Dir(state))
	bins, _ := filepath.Glob(filepath.Join(cache, "bin", "kwok-*", "kwokctl"))
	if len(bins) == 0 {
		t.Fatalf("no kwokctl under %s/bin", cache)
	}
	return bins[0], append(os.Environ(), "KWOK_WORKDIR="+filepath.Join(state, "kwok"), "KWOK_KUBE_VERSION=v1.34.4")
}

// restartControlPlane stops and starts the cluster's control plane and waits until the API
// server is ready again.
func restartControlPlane(t *testing.T, env *framework.Env) {
	t.Helper()
	bin, kenv := kwokctl(t, env)
	name := filepath.Base(filepath.Dir(env.Kubeconfig))
	pids := controlPlanePIDs(t, env)
	for _, verb := range []string{"stop", "start"} {
		cmd := exec.Command(bin, "--name", name, verb, "cluster")
		cmd.Env = kenv
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kwokctl %s cluster: %v\n%s", verb, err, out)
		}
		if verb == "stop" {
			// kwokctl signals the components and returns at once; started again before the
			// old API server has let go of its port, the new one fails to bind and exits.
			framework.WaitFor(t, time.Minute, "the stopped control plane's processes to exit", func() (bool, error) {
				for _, pid := range pids {
					if syscall.Kill(pid, 0) == nil {
						return false, fmt.Errorf("pid %d still runs", pid)
					}
				}
				return true, nil
			})
		}
	}
	framework.WaitFor(t, 3*time.Minute, "the API server to be ready again", func() (bool, error) {
		_, err := env.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background())
		return err == nil, err
	})
	releaseNodeLeases(t, env)
}

// controlPlanePIDs reads the pids kwokctl recorded for the cluster's components.
func controlPlanePIDs(t *testing.T, env *framework.Env) []int {
	t.Helper()
	dir := filepath.Join(filepath.Dir(env.Kubeconfig), "kwok", "clusters", filepath.Base(filepath.Dir(env.Kubeconfig)), "pids")
	files, err := filepath.Glob(filepath.Join(dir, "*.pid"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no pid files of the control plane in %s", dir)
	}
	var pids []int
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// releaseNodeLeases lets the restarted fake kubelets take their nodes back at once. kwok
// (v0.7.0) holds each node's Lease under an identity new to every start, and does not manage
// a node, nor start its pods, while another identity's Lease on it is still valid: its own
// from before the restart, for minutes. A real kubelet renews its Lease under the node's name
// and carries on. Deleting the stale Leases lets kwok create its own; the wait ends once every
// node has one again.
func releaseNodeLeases(t *testing.T, env *framework.Env) {
	t.Helper()
	ctx := context.Background()
	leases := env.Kube.CoordinationV1().Leases("kube-node-lease")
	if err := leases.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatalf("deleting the node Leases: %v", err)
	}
	framework.WaitFor(t, time.Minute, "kwok to hold every node's Lease again", func() (bool, error) {
		nodes, err := env.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return false, err
		}
		for _, n := range nodes.Items {
			if _, err := leases.Get(ctx, n.Name, metav1.GetOptions{}); err != nil {
				return false, fmt.Errorf("node %s has no Lease yet: %w", n.Name, err)
			}
		}
		return true, nil
	})
}

func TestFaultAPIServerRestartDuringStartWait(t *testing.T) {
	env := restartableCluster(t)
	const node = "node-000002"
	name := node + "-maintenance"
	ctx := context.Background()
	nms := env.Dynamic.Resource(mtNMGVR)
	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", node, "--yes", "--timeout", "10m")
	t.Cleanup(func() { _ = nms.Delete(context.Background(), name, metav1.DeleteOptions{}) })
	setPhase := func(phase string) {
		t.Helper()
		framework.WaitFor(t, time.Minute, "the NodeMaintenance phase "+phase, func() (bool, error) {
			nm, err := nms.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			nm.Object["status"] = map[string]any{"phase": phase, "lastUpdate": time.Now().UTC().Format(time.RFC3339)}
			_, err = nms.UpdateStatus(ctx, nm, metav1.UpdateOptions{})
			return err == nil, err
		})
	}
	setPhase("Running")
	p.WaitOutput(t, time.Minute, "Running")

	restartControlPlane(t, env)
	setPhase("Succeeded")
	res := p.Wait(t, 2*time.Minute)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "is in maintenance") {
		t.Fatalf("exit %d after an API server restart:\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if err := nms.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}

func TestFaultAPIServerRestartDuringRotate(t *testing.T) {
	env := restartableCluster(t)
	ns := newEstate(t, "kubevirt.cdi.kubemacpool.ssp", longLived)
	// The rotation takes about a second; with every owner broken it waits, watching, until the
	// owners work again, so the restart is sure to land in the middle of that wait and the
	// new certificates can only be seen through watches re-established after it.
	setOwnersFailing(t, ns, "all")
	p := env.Start(t, framework.RunOptions{Timeout: 10 * time.Minute}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "5m")
	p.WaitOutput(t, time.Minute, ": waiting for ")
	restartControlPlane(t, env)
	setOwnersFailing(t, ns, "")
	res := p.Wait(t, 8*time.Minute)
	if res.ExitCode != 0 {
		// Allowed: a clear error, then a re-run that completes.
		lines := strings.Split(strings.TrimRight(res.Stderr, "\n"), "\n")
		if !strings.HasPrefix(lines[len(lines)-1], "error: ") {
			t.Errorf("rotate exited %d without an error line:\n%s", res.ExitCode, res.Stderr)
		}
		t.Logf("rotate across the restart exited %d: %s; re-running", res.ExitCode, lines[len(lines)-1])
		waitDeploymentsReady(t, ns)
		if again := env.RunWith(t, framework.RunOptions{Timeout: 6 * time.Minute}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "5m"); again.ExitCode != 0 {
			t.Fatalf("the re-run after the restart: exit %d\n%s\n%s", again.ExitCode, again.Stdout, again.Stderr)
		}
	}
	waitDeploymentsReady(t, ns)
	if check := env.Run(t, "certs", "check", "-n", ns); check.ExitCode != 0 {
		t.Fatalf("certs check after the rotation: exit %d\n%s\n%s", check.ExitCode, check.Stdout, check.Stderr)
	}
}

// setOwnersFailing breaks (or, with "", mends) the simulated certificate owners of an estate.
func setOwnersFailing(t *testing.T, ns, components string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, annFail, components)
	if components == "" {
		patch = fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`, annFail)
	}
	if _, err := framework.Get(t).Kube.CoreV1().Namespaces().Patch(context.Background(), ns, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
