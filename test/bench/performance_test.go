//go:build bench

package bench

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// envInt reads a scale knob; the defaults are the sizes the issue asks for.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestPerformance runs every measurement in one go and prints the table. The order matters:
// certificate work needs the simulator's owners; the VMI scenarios stop the simulator first,
// since it would start a launcher pod for each of thousands of VMIs.
func TestPerformance(t *testing.T) {
	e := newBenchEnv(t)
	rep := &report{}
	defer rep.write(t)
	t.Run("startup", func(t *testing.T) { benchStartup(t, e, rep) })
	t.Run("rotate-handshakes", func(t *testing.T) { benchRotateHandshakes(t, e, rep) })
	t.Run("check-served", func(t *testing.T) { benchCheckServed(t, e, rep) })
	t.Run("rotate", func(t *testing.T) { benchRotate(t, e, rep, envInt("BENCH_NAMESPACES", 1000)) })
	t.Run("check-memory", func(t *testing.T) { benchCheckMemory(t, e, rep, envInt("BENCH_SECRETS", 10000)) })
	t.Run("wait", func(t *testing.T) {
		benchWait(t, e, rep, time.Duration(envInt("BENCH_WAIT_SECONDS", 60))*time.Second, envInt("BENCH_WAIT_RUNS", 7))
	})
	stopSimulator(t, e)
	t.Run("list", func(t *testing.T) { benchList(t, e, rep, envInt("BENCH_NODES", 5000), envInt("BENCH_NMS", 500)) })
	t.Run("plan", func(t *testing.T) {
		benchPlanAndDescribe(t, e, rep, envInt("BENCH_NODE_VMIS", 200), envInt("BENCH_VMIS", 10000))
	})
}

var simPID = regexp.MustCompile(`kubevirt-sim: running \(pid (\d+)\)`)

var statusKubeconfig = regexp.MustCompile(`(?m)^kubeconfig:\s+(\S+)$`)

// stopSimulator ends the bench cluster's KubeVirt simulator, by the pid its cluster script
// reports; `make bench` deletes the whole bench cluster afterwards. It makes sure the status
// is the bench cluster's (OC_CNV_CLUSTER names it), never the shared test cluster's.
func stopSimulator(t *testing.T, e *benchEnv) {
	t.Helper()
	status := exec.Command("hack/cluster.sh", "status")
	status.Dir = framework.RepoRoot()
	out, err := status.Output()
	if err != nil {
		t.Fatalf("hack/cluster.sh status: %v", err)
	}
	if k := statusKubeconfig.FindSubmatch(out); k == nil || string(k[1]) != e.kubeconfig {
		t.Fatalf("hack/cluster.sh status describes another cluster than %s (set OC_CNV_CLUSTER to the bench cluster's name):\n%s", e.kubeconfig, out)
	}
	m := simPID.FindSubmatch(out)
	if m == nil {
		return // not running
	}
	pid, _ := strconv.Atoi(string(m[1]))
	p, err := os.FindProcess(pid)
	if err == nil {
		err = p.Kill()
	}
	if err != nil {
		t.Fatalf("stopping the simulator (pid %d): %v", pid, err)
	}
	waitFor(t, 30*time.Second, "the simulator to stop", func() (bool, error) {
		return p.Signal(syscall.Signal(0)) != nil, nil
	})
}
