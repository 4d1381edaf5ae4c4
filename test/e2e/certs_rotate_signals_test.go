//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// SIGINT and SIGTERM at every step of `certs rotate`, on both strategies (the issue: "no
// operator is left scaled down, no serving certificate is left without its CA in the bundle
// its clients use, and a re-run completes").
//
// The steps of a CDI rotation follow each other within milliseconds, so waiting for a step's
// progress line and then signalling would land nearly every signal in the wait at the end. The
// rotation therefore talks to the cluster through apiProxy, which holds the API request of the
// step under test: the process has printed that step's line and is waiting for its answer when
// the signal comes, every time. Once the process has given the request up, the proxy either
// drops it (the change never reached the API server) or forwards it (the change was made, but
// the answer never reached the process), and only then lets the process's further requests
// through. Every step gets both, one with each signal: SIGINT drops at even steps and forwards
// at odd ones, SIGTERM the other way round.
func TestCertsRotateSignalAtEveryStep(t *testing.T) {
	const replicas = 3
	for _, strategy := range []string{"reissue", "recreate"} {
		for si, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(strategy+"/"+signalName(sig), func(t *testing.T) {
				t.Parallel()
				env := framework.Get(t)
				ns := newEstate(t, "cdi", nil)
				scale(t, ns, "cdi-operator", replicas)
				waitDeploymentsReady(t, ns)
				key := signingKey(t, ns)
				proxy := newAPIProxy(t, env)
				kc := proxy.Kubeconfig(t)
				upstream := newUpstream(t, env)

				steps := rotationPlan(t, ns, strategy)
				points := signalPoints(t, ns, steps)
				t.Logf("%s: %d plan steps, %d signal points", strategy, len(steps), len(points))
				for k, pt := range points {
					forward := (k+si)%2 == 1
					mode := "dropped"
					if forward {
						mode = "forwarded"
					}
					name := fmt.Sprintf("%02d-%s-%s", k, pt.short, mode)
					ok := t.Run(name, func(t *testing.T) {
						signalAtStep(t, signalCase{ns: ns, strategy: strategy, sig: sig, steps: steps, point: pt,
							forward: forward, proxy: proxy, kubeconfig: kc, upstream: upstream, replicas: replicas, key: key})
					})
					if !ok {
						// The estate may be in any state now; the next steps would only repeat
						// the failure.
						t.FailNow()
					}
				}
			})
		}
	}
}

type signalCase struct {
	ns, strategy string
	sig          syscall.Signal
	// steps is the plan of a fresh rotation; point is where this case signals.
	steps      []string
	point      signalPoint
	forward    bool
	proxy      *apiProxy
	kubeconfig string
	upstream   *upstreamClient
	replicas   int32
	// key is cdi-api-signing-key's identity, which nothing may change.
	key string
}

func signalAtStep(t *testing.T, c signalCase) {
	env := framework.Get(t)
	ns := c.ns
	rotate := []string{"certs", "rotate", "-n", ns, "--components", "cdi", "--strategy", c.strategy, "--yes", "--timeout", "2m"}

	// A fresh rotation: the estate is complete again (the plan has every step).
	framework.WaitFor(t, time.Minute, "a complete "+c.strategy+" plan in "+ns, func() (bool, error) {
		got := rotationPlan(t, ns, c.strategy)
		if strings.Join(got, "\n") != strings.Join(c.steps, "\n") {
			return false, fmt.Errorf("plan is now:\n  %s", strings.Join(got, "\n  "))
		}
		return true, nil
	})

	gate := &requestGate{point: c.point, forward: c.forward, upstream: c.upstream,
		held: make(chan struct{}), settled: make(chan struct{})}
	c.proxy.SetFault(gate.fault)
	defer c.proxy.SetFault(nil)
	p := env.Start(t, framework.RunOptions{Kubeconfig: c.kubeconfig}, rotate...)
	framework.WaitFor(t, time.Minute, fmt.Sprintf("the rotation to send %s %s", c.point.method, c.point.path), func() (bool, error) {
		select {
		case <-gate.held:
			return true, nil
		default:
			so, se := p.Output()
			return false, fmt.Errorf("not yet; output so far:\n%s%s", so, se)
		}
	})
	p.WaitOutput(t, 10*time.Second, "cdi: "+c.point.line+"\n")
	if so, _ := p.Output(); lastProgress(so) != c.point.line {
		t.Errorf("the held request belongs to %q, but the last progress line is %q", c.point.line, lastProgress(so))
	}
	if err := p.Signal(c.sig); err != nil {
		t.Fatal(err)
	}
	res := p.Wait(t, time.Minute)
	select {
	case <-gate.settled:
	case <-time.After(time.Minute):
		t.Fatal("the held request was never settled")
	}
	if gate.problem != "" {
		t.Errorf("held request %s %s: %s", c.point.method, c.point.path, gate.problem)
	} else {
		t.Logf("held request %s %s: %s", c.point.method, c.point.path, gate.outcome)
	}

	switch res.ExitCode {
	case 130:
		if !strings.Contains(res.Stderr, "interrupted") {
			t.Errorf("exit 130 without saying it was interrupted:\n%s", res.Stderr)
		}
	case 0:
		// Only possible when the signal came after the rotation had finished; the held
		// request makes that unexpected, but it is not wrong.
		t.Logf("%v came after the rotation had completed (exit 0)", signalName(c.sig))
	default:
		t.Errorf("%v at %q: exit %d, want 130 (or 0 had it already finished)\n%s", signalName(c.sig), c.point.line, res.ExitCode, res.Stderr)
	}

	// No operator is left scaled down, and the record of its replicas is gone.
	leftDown := false
	if n, ann := replicasOf(t, ns, "cdi-operator"); n != c.replicas || ann[replicasRecord] != "" {
		leftDown = true
		t.Errorf("after %v at %q (request %s) cdi-operator has %d replicas and record %q, want %d and none",
			signalName(c.sig), c.point.line, gate.outcome, n, ann[replicasRecord], c.replicas)
	}
	if signingKey(t, ns) != c.key {
		t.Errorf("after %v at %q cdi-api-signing-key was touched", signalName(c.sig), c.point.line)
	}

	// In the end every certificate is there again and every serving certificate chains to the
	// CA in the bundles its clients use. (Left at 0 replicas, cdi-operator re-creates nothing.)
	if !leftDown {
		waitCertsCheckPasses(t, ns)
	}

	// A re-run completes: it re-issues every certificate and leaves the operator as it was.
	before := serials(t, ns)
	rerun := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, rotate...)
	if rerun.ExitCode != 0 || !strings.Contains(rerun.Stdout, "All 7 certificate(s) re-issued and trusted, served; pods Ready.") {
		t.Fatalf("re-run after %v at %q: exit %d\n%s\n%s", signalName(c.sig), c.point.line, rerun.ExitCode, rerun.Stdout, rerun.Stderr)
	}
	if leftDown && !strings.Contains(rerun.Stdout, fmt.Sprintf("restore replicas deployment/cdi-operator to %d", c.replicas)) {
		t.Errorf("the re-run did not say it restored the replicas of cdi-operator:\n%s", rerun.Stdout)
	}
	if strings.Contains(rerun.Stdout, "not re-issued the gentle way") {
		t.Errorf("the re-run needed its fallback: a re-issue went unnoticed\n%s", rerun.Stdout)
	}
	assertAllReissued(t, before, serials(t, ns))
	if n, ann := replicasOf(t, ns, "cdi-operator"); n != c.replicas || ann[replicasRecord] != "" {
		t.Errorf("after the re-run cdi-operator has %d replicas and record %q, want %d and none", n, ann[replicasRecord], c.replicas)
	}
	if signingKey(t, ns) != c.key {
		t.Error("the re-run touched cdi-api-signing-key")
	}
}

// waitCertsCheckPasses waits until `certs check` exits 0: nothing expired or untrusted, every
// serving certificate chaining to the bundles its clients use.
func waitCertsCheckPasses(t *testing.T, ns string) {
	t.Helper()
	env := framework.Get(t)
	framework.WaitFor(t, 90*time.Second, "certs check to pass in "+ns, func() (bool, error) {
		res := env.Run(t, "certs", "check", "-n", ns)
		if res.ExitCode != 0 {
			return false, fmt.Errorf("certs check: exit %d\n%s", res.ExitCode, res.Stdout)
		}
		return true, nil
	})
}

// rotationPlan returns the steps a rotation of CDI in ns would take now, from its dry run.
func rotationPlan(t *testing.T, ns, strategy string) []string {
	t.Helper()
	res := framework.Get(t).Run(t, "certs", "rotate", "-n", ns, "--components", "cdi", "--strategy", strategy, "--dry-run")
	if res.ExitCode != 0 {
		t.Fatalf("dry run: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	var steps []string
	in := false
	for _, l := range strings.Split(res.Stdout, "\n") {
		switch {
		case strings.HasPrefix(l, "cdi (") && strings.HasSuffix(l, ", strategy "+strategy+":"):
			in = true
		case in && strings.HasPrefix(l, "  - "):
			steps = append(steps, strings.TrimPrefix(l, "  - "))
		case in:
			// The steps come first; "  * wait for ..." and the rest follow.
			return steps
		}
	}
	return steps
}

// signalPoint is a place in a rotation where it is signalled: the progress line it prints
// ("cdi: <line>") and the API request it then makes.
type signalPoint struct {
	line   string
	short  string
	method string
	path   string
	// skip is how many matching requests go through before the one that is held.
	skip int
}

var (
	stepObject = regexp.MustCompile(`\b(secret|deployment|vwc|mwc)/([a-z0-9.-]+)`)
	scaleStep  = regexp.MustCompile(`^scale deployment/([a-z0-9-]+) to 0 \(recording (\d+) replicas`)
	progress   = regexp.MustCompile(`^\d\d:\d\d:\d\d cdi: (.*)$`)
)

// signalPoints maps each plan step to the request it makes. The recreate strategy has one more
// point that is not a plan step of its own: scaling the operator back, before the restarts.
func signalPoints(t *testing.T, ns string, steps []string) []signalPoint {
	t.Helper()
	var points []signalPoint
	var back *signalPoint
	for _, s := range steps {
		m := stepObject.FindStringSubmatch(s)
		verb, _, _ := strings.Cut(s, " ")
		if m == nil {
			t.Fatalf("step %q names no object this test knows; teach signalPoints its API request", s)
		}
		// Progress lines give the step without the plan's explanation in parentheses.
		line, _, _ := strings.Cut(s, " (")
		pt := signalPoint{line: line, method: http.MethodPatch, short: verb + "-" + m[1] + "-" + strings.TrimSuffix(m[2], "-"+ns)}
		switch verb {
		case "set", "scale", "restart":
		case "delete":
			pt.method = http.MethodDelete
		default:
			t.Fatalf("step %q: unknown action; teach signalPoints its API request", s)
		}
		switch m[1] {
		case "secret":
			pt.path = "/api/v1/namespaces/" + ns + "/secrets/" + m[2]
		case "deployment":
			pt.path = "/apis/apps/v1/namespaces/" + ns + "/deployments/" + m[2]
		case "vwc":
			pt.path = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/" + m[2]
		case "mwc":
			pt.path = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/" + m[2]
		}
		if sm := scaleStep.FindStringSubmatch(s); sm != nil {
			pt.short = "scale-down-" + sm[1]
			back = &signalPoint{line: fmt.Sprintf("scale deployment/%s back to %s replicas", sm[1], sm[2]), short: "scale-back-" + sm[1],
				method: http.MethodPatch, path: pt.path, skip: 1}
		}
		if back != nil && verb == "restart" {
			points = append(points, *back)
			back = nil
		}
		points = append(points, pt)
	}
	if back != nil {
		points = append(points, *back)
	}
	return points
}

func lastProgress(stdout string) string {
	last := ""
	for _, l := range strings.Split(stdout, "\n") {
		if m := progress.FindStringSubmatch(l); m != nil {
			last = m[1]
		}
	}
	return last
}

func signalName(sig syscall.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// upstreamClient sends requests straight to the API server, with the admin credentials.
type upstreamClient struct {
	host   string
	client *http.Client
}

func newUpstream(t *testing.T, env *framework.Env) *upstreamClient {
	t.Helper()
	rt, err := rest.TransportFor(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	return &upstreamClient{host: strings.TrimRight(env.Config.Host, "/"), client: &http.Client{Transport: rt}}
}

// requestGate is an apiProxy fault that holds one request until its client gives it up, then
// drops or forwards it; requests after it wait until that is done.
type requestGate struct {
	point    signalPoint
	forward  bool
	upstream *upstreamClient

	matched atomic.Int32
	// held is closed when the request is held; settled when it has been dropped or forwarded.
	held, settled chan struct{}
	// outcome and problem are written before settled is closed.
	outcome, problem string
}

func (g *requestGate) fault(r *http.Request) int {
	if r.Method != g.point.method || r.URL.Path != g.point.path || int(g.matched.Add(1)) != g.point.skip+1 {
		select {
		case <-g.held:
			// After the held request: let the interrupted process go on only once that request
			// has been settled, so a forwarded change lands first.
			select {
			case <-g.settled:
			case <-time.After(time.Minute):
			}
		default:
		}
		return 0
	}
	defer close(g.settled)
	body, err := io.ReadAll(r.Body)
	close(g.held)
	if err != nil {
		g.problem = "reading its body: " + err.Error()
		return http.StatusBadGateway
	}
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
		g.problem = "the process never gave the request up"
		return http.StatusGatewayTimeout
	}
	if !g.forward {
		g.outcome = "dropped after the process gave it up"
		return http.StatusBadGateway
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, g.upstream.host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		g.problem = "forwarding: " + err.Error()
		return http.StatusBadGateway
	}
	req.Header = r.Header.Clone()
	resp, err := g.upstream.client.Do(req)
	if err != nil {
		g.problem = "forwarding: " + err.Error()
		return http.StatusBadGateway
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		g.problem = "forwarded after the process gave it up, but the API server answered " + resp.Status
	} else {
		g.outcome = "forwarded after the process gave it up: " + resp.Status
	}
	return http.StatusBadGateway
}
