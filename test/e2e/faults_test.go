//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// Faults: oc-cnv against an API server that throttles, fails or is raced by another oc-cnv.
// The API server's misbehaviour comes from apiProxy, in front of the shared cluster, so no
// test disturbs the others.

// Two oc-cnv processes start maintenance of the same node at the same moment: exactly one
// NodeMaintenance results, one process creates and follows it, and the other creates nothing
// and names the maintenance that exists.
func TestFaultTwoStartsOnOneNode(t *testing.T) {
	env := framework.Get(t)
	node := env.Nodes(t, 2).Names[0]
	for round := 0; round < 3; round++ {
		a := env.Start(t, framework.RunOptions{}, "maintenance", "start", node, "--yes", "--timeout", "2m")
		b := env.Start(t, framework.RunOptions{}, "maintenance", "start", node, "--yes", "--timeout", "2m")
		ra, rb := a.Wait(t, 3*time.Minute), b.Wait(t, 3*time.Minute)
		if nms := mtMaintenances(t, env, node); len(nms) != 1 {
			t.Fatalf("round %d: %d NodeMaintenances for %s, want exactly 1", round, len(nms), node)
		}
		created := 0
		for _, r := range []framework.Result{ra, rb} {
			if strings.Contains(r.Stdout, "created for node "+node) {
				created++
				if r.ExitCode != 0 {
					t.Errorf("round %d: the process that created the maintenance exited %d", round, r.ExitCode)
				}
				continue
			}
			// The other one reports the maintenance that exists, by name, and follows it.
			if r.ExitCode != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, "Node "+node+" is already in maintenance (NodeMaintenance "+node+"-maintenance") {
				t.Errorf("round %d: the second process must report the node as already in maintenance and exit 0: exit %d\n%s%s", round, r.ExitCode, r.Stdout, r.Stderr)
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %d processes report creating the maintenance, want 1", round, created)
		}
		if res := env.Run(t, "maintenance", "stop", node, "--timeout", "2m"); res.ExitCode != 0 {
			t.Fatalf("stop: exit %d", res.ExitCode)
		}
	}
}

// Throttling (429 with Retry-After) is waited out: the commands finish as if nothing happened.
func TestFaultThrottledAPIIsRetried(t *testing.T) {
	env := framework.Get(t)
	node := env.Nodes(t, 2).Names[0]
	ns := env.Namespace(t)
	proxy := newAPIProxy(t, env)
	kc := proxy.Kubeconfig(t)
	var left atomic.Int64
	proxy.SetFault(func(r *http.Request) int {
		if left.Add(-1) >= 0 {
			return http.StatusTooManyRequests
		}
		return 0
	})
	for _, args := range [][]string{
		{"maintenance", "list"},
		{"certs", "check", "-n", ns, "--allow-empty"},
		{"maintenance", "start", node, "--dry-run=client"},
	} {
		left.Store(3)
		before := proxy.Injected()
		res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, args...)
		if proxy.Injected()-before != 3 {
			t.Fatalf("%v: the proxy throttled %d requests, want 3", args, proxy.Injected()-before)
		}
		if res.ExitCode != 0 {
			t.Errorf("oc-cnv %s under throttling: exit %d\n%s", strings.Join(args, " "), res.ExitCode, res.Stderr)
		}
	}
	mtAssertUntouched(t, env, node)
}

// An API server answering 503 without end: one clear line, exit 6 (unavailable), nothing
// written; the same command completes once the server is back.
func TestFaultUnavailableAPIFailsCleanlyThenRerunCompletes(t *testing.T) {
	env := framework.Get(t)
	node := env.Nodes(t, 2).Names[0]
	proxy := newAPIProxy(t, env)
	kc := proxy.Kubeconfig(t)
	proxy.SetFault(func(r *http.Request) int { return http.StatusServiceUnavailable })
	for _, args := range [][]string{
		{"maintenance", "list"},
		{"maintenance", "start", node, "--yes"},
	} {
		res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc, Timeout: time.Minute}, args...)
		biOneErrorLine(t, res, 6, "")
		mtAssertUntouched(t, env, node)
	}
	proxy.SetFault(nil)
	res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "maintenance", "start", node, "--yes", "--timeout", "2m")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "is in maintenance") {
		t.Fatalf("re-run after the outage: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// Watches that fail with 500 for a while (an API server in trouble) are re-established:
// start --wait still follows the maintenance to its end.
func TestFaultFailingWatchesAreReestablished(t *testing.T) {
	env := framework.Get(t)
	node := env.Nodes(t, 2).Names[0]
	proxy := newAPIProxy(t, env)
	kc := proxy.Kubeconfig(t)
	var failing atomic.Bool
	failing.Store(true)
	proxy.SetFault(func(r *http.Request) int {
		if failing.Load() && r.URL.Query().Get("watch") == "true" {
			return http.StatusInternalServerError
		}
		return 0
	})
	p := env.Start(t, framework.RunOptions{Kubeconfig: kc}, "maintenance", "start", node, "--yes", "--timeout", "3m")
	framework.WaitFor(t, time.Minute, "watches to be refused a few times", func() (bool, error) {
		return proxy.Injected() >= 3, nil
	})
	failing.Store(false)
	res := p.Wait(t, 3*time.Minute)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "is in maintenance") {
		t.Fatalf("start --wait with failing watches: exit %d", res.ExitCode)
	}
}
