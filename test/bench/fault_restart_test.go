//go:build bench

package bench

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
)

// The API server (with etcd and the whole control plane) restarted in the middle of a command.
// The shared test cluster cannot be restarted under the other tests, so this runs on the bench
// cluster, before the performance seeding makes a restart slow. A command must reconnect and
// finish, or fail with one clear line and leave a state that a re-run completes.

// kwokctl returns the kwokctl that hack/cluster.sh built, and the environment that points it at
// the bench cluster's state, both found from the bench kubeconfig's place in the cache.
func kwokctl(t *testing.T, e *benchEnv) (string, []string) {
	t.Helper()
	state := filepath.Dir(e.kubeconfig)
	cache := filepath.Dir(filepath.Dir(state))
	bins, _ := filepath.Glob(filepath.Join(cache, "bin", "kwok-*", "kwokctl"))
	if len(bins) == 0 {
		t.Fatalf("no kwokctl under %s/bin", cache)
	}
	return bins[0], append(os.Environ(), "KWOK_WORKDIR="+filepath.Join(state, "kwok"), "KWOK_KUBE_VERSION=v1.34.4")
}

// restartControlPlane stops and starts the bench cluster's control plane and waits until the
// API server is ready again.
func restartControlPlane(t *testing.T, e *benchEnv) {
	t.Helper()
	bin, env := kwokctl(t, e)
	name := filepath.Base(filepath.Dir(e.kubeconfig))
	pids := controlPlanePIDs(t, e)
	for _, verb := range []string{"stop", "start"} {
		cmd := exec.Command(bin, "--name", name, verb, "cluster")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kwokctl %s cluster: %v\n%s", verb, err, lastLines(string(out), 3))
		}
		if verb == "stop" {
			// kwokctl signals the components and returns at once; started again before the
			// old API server has let go of its port, the new one fails to bind and exits.
			waitFor(t, time.Minute, "the stopped control plane's processes to exit", func() (bool, error) {
				for _, pid := range pids {
					if syscall.Kill(pid, 0) == nil {
						return false, fmt.Errorf("pid %d still runs", pid)
					}
				}
				return true, nil
			})
		}
	}
	waitFor(t, 3*time.Minute, "the API server to be ready again", func() (bool, error) {
		_, err := e.kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background())
		return err == nil, nil
	})
	releaseNodeLeases(t, e)
}

// controlPlanePIDs reads the pids kwokctl recorded for the cluster's components.
func controlPlanePIDs(t *testing.T, e *benchEnv) []int {
	t.Helper()
	dir := filepath.Join(filepath.Dir(e.kubeconfig), "kwok", "clusters", filepath.Base(filepath.Dir(e.kubeconfig)), "pids")
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
func releaseNodeLeases(t *testing.T, e *benchEnv) {
	t.Helper()
	ctx := context.Background()
	leases := e.kube.CoordinationV1().Leases("kube-node-lease")
	if err := leases.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatalf("deleting the node Leases: %v", err)
	}
	waitFor(t, time.Minute, "kwok to hold every node's Lease again", func() (bool, error) {
		nodes, err := e.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
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
	e := newBenchEnv(t)
	const node = "node-000002"
	name := node + "-maintenance"
	ctx := context.Background()
	cmd, out, errOut, exited := startOCCNV(t, e, "maintenance", "start", node, "--yes", "--timeout", "10m")
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = e.dyn.Resource(nmGVR).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	setPhase := func(phase string) {
		t.Helper()
		waitFor(t, time.Minute, "the NodeMaintenance phase "+phase, func() (bool, error) {
			nm, err := e.dyn.Resource(nmGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			nm.Object["status"] = map[string]any{"phase": phase, "lastUpdate": time.Now().UTC().Format(time.RFC3339)}
			_, err = e.dyn.Resource(nmGVR).UpdateStatus(ctx, nm, metav1.UpdateOptions{})
			return err == nil, err
		})
	}
	setPhase("Running")
	waitFor(t, time.Minute, "oc-cnv to follow the drain", func() (bool, error) { return strings.Contains(out.String(), "Running"), nil })

	restartControlPlane(t, e)
	setPhase("Succeeded")
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		t.Fatalf("oc-cnv did not finish after the restart and Succeeded:\n%s\n%s", out.String(), lastLines(errOut.String(), 5))
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(out.String(), "is in maintenance") {
		t.Fatalf("exit %d after an API server restart:\n%s\n%s", code, out.String(), lastLines(errOut.String(), 5))
	}
	if err := e.dyn.Resource(nmGVR).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}

func TestFaultAPIServerRestartDuringRotate(t *testing.T) {
	e := newBenchEnv(t)
	const ns = "bench-estate-restart"
	seedEstate(t, e, ns)
	// The rotation takes about a second; with every owner broken it waits, watching, until the
	// owners work again, so the restart is sure to land in the middle of that wait and the
	// new certificates can only be seen through watches re-established after it.
	setOwnersFailing(t, e, ns, "all")
	cmd, out, errOut, exited := startOCCNV(t, e, "certs", "rotate", "-n", ns, "--yes", "--timeout", "5m")
	waitFor(t, time.Minute, "the rotation to wait for the owners", func() (bool, error) {
		return strings.Contains(out.String(), ": waiting for "), nil
	})
	restartControlPlane(t, e)
	setOwnersFailing(t, e, ns, "")
	select {
	case <-exited:
	case <-time.After(8 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("certs rotate did not finish after the restart:\n%s", lastLines(out.String(), 5))
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		// Allowed: a clear error, then a re-run that completes.
		lines := strings.Split(strings.TrimRight(errOut.String(), "\n"), "\n")
		if !strings.HasPrefix(lines[len(lines)-1], "error: ") {
			t.Errorf("rotate exited %d without an error line:\n%s", code, lastLines(errOut.String(), 5))
		}
		t.Logf("rotate across the restart exited %d: %s; re-running", code, lines[len(lines)-1])
		waitEstateReady(t, e, ns)
		mustRun(t, e.kubeconfig, e.bin, "certs", "rotate", "-n", ns, "--yes", "--timeout", "5m")
	}
	waitEstateReady(t, e, ns)
	mustRun(t, e.kubeconfig, e.bin, "certs", "check", "-n", ns)
}

// startOCCNV starts oc-cnv on the bench cluster and returns while it runs, so that the test can
// restart the control plane under it; exited closes once the process has been waited for.
func startOCCNV(t *testing.T, e *benchEnv, args ...string) (cmd *exec.Cmd, out, errOut *lockedBuffer, exited chan struct{}) {
	t.Helper()
	cmd = exec.Command(e.bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+e.kubeconfig)
	out, errOut = &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	return cmd, out, errOut, exited
}

// setOwnersFailing breaks (or, with "", mends) the simulated certificate owners of an estate.
func setOwnersFailing(t *testing.T, e *benchEnv, ns, components string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"kubevirt-sim.oc-cnv.io/fail":%q}}}`, components)
	if components == "" {
		patch = `{"metadata":{"annotations":{"kubevirt-sim.oc-cnv.io/fail":null}}}`
	}
	if _, err := e.kube.CoreV1().Namespaces().Patch(context.Background(), ns, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
