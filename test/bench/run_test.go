//go:build bench

package bench

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// runResult is one finished process: its wall time (fork to exit, as a user waits for it),
// exit code and peak resident memory.
type runResult struct {
	wall     time.Duration
	code     int
	maxRSSKB int64
	stdout   string
	stderr   string
}

// run executes bin with args and kubeconfig; output is kept for checks, not logged, because
// some commands print the bench cluster's certificates in bulk.
func run(t *testing.T, kubeconfig, bin string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	res := runResult{wall: time.Since(start), stdout: o.String(), stderr: e.String()}
	if cmd.ProcessState == nil {
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	res.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSSKB = ru.Maxrss
	}
	return res
}

// mustRun is run that fails the benchmark unless the command succeeded.
func mustRun(t *testing.T, kubeconfig, bin string, args ...string) runResult {
	t.Helper()
	r := run(t, kubeconfig, bin, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", bin, strings.Join(args, " "), r.code, lastLines(r.stderr, 5))
	}
	return r
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// waitFor is the e2e framework's wait: cond every 100ms until it holds, failing after timeout
// with the condition's last error.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	framework.WaitFor(t, timeout, what, cond)
}
