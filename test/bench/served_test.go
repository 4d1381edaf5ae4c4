//go:build bench

package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

var forwardingFrom = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+)`)

// byHandServedCheck is what an admin does today to see what each endpoint serves: for every
// Service, `kubectl port-forward svc/NAME :443` (kubectl picks a pod and maps the Service port
// to its target port), then `openssl s_client` with the Service's DNS name, one after the
// other. It returns the wall time of the whole loop.
func byHandServedCheck(t *testing.T, e *benchEnv, ns string) time.Duration {
	t.Helper()
	start := time.Now()
	for _, c := range estateClients {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		pf := exec.CommandContext(ctx, e.kubectl, "port-forward", "-n", ns, "--address", "127.0.0.1", "svc/"+c.service, ":443")
		pf.Env = append(os.Environ(), "KUBECONFIG="+e.kubeconfig)
		out, err := pf.StdoutPipe()
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		if err := pf.Start(); err != nil {
			cancel()
			t.Fatalf("kubectl port-forward svc/%s: %v", c.service, err)
		}
		port := ""
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := forwardingFrom.FindStringSubmatch(sc.Text()); m != nil {
				port = m[1]
				break
			}
		}
		if port == "" {
			cancel()
			_ = pf.Wait()
			t.Fatalf("kubectl port-forward svc/%s -n %s printed no local port", c.service, ns)
		}
		s := exec.CommandContext(ctx, "openssl", "s_client", "-connect", "127.0.0.1:"+port,
			"-servername", c.service+"."+ns+".svc", "-showcerts")
		s.Stdin = strings.NewReader("")
		res, err := s.CombinedOutput()
		cancel()
		_ = pf.Wait()
		if err != nil || !strings.Contains(string(res), "BEGIN CERTIFICATE") {
			t.Fatalf("openssl s_client through svc/%s: %v\n%s", c.service, err, lastLines(string(res), 5))
		}
	}
	return time.Since(start)
}

// benchCheckServed times `certs check --served` on a healthy estate beside the by-hand loop,
// and beside the Secret-only check, whose cost --served adds to.
func benchCheckServed(t *testing.T, e *benchEnv, rep *report) {
	const ns = "bench-tls-occnv"
	seedEstate(t, e, ns)
	waitEstateReady(t, e, ns)
	waitAllServing(t, e, ns)
	best := func(args ...string) time.Duration {
		var min time.Duration
		for i := 0; i < 3; i++ {
			r := run(t, e.kubeconfig, e.bin, args...)
			if r.code != 0 {
				t.Fatalf("oc-cnv %s: exit %d\n%s%s", strings.Join(args, " "), r.code, lastLines(r.stdout, 10), lastLines(r.stderr, 5))
			}
			if min == 0 || r.wall < min {
				min = r.wall
			}
		}
		return min
	}
	secretsOnly := best("certs", "check", "-n", ns)
	served := best("certs", "check", "-n", ns, "--served")
	var byHand time.Duration
	for i := 0; i < 3; i++ {
		if d := byHandServedCheck(t, e, ns); byHand == 0 || d < byHand {
			byHand = d
		}
	}
	ratio := float64(byHand) / float64(served)
	rep.add(fmt.Sprintf("certs check --served: what %d endpoints serve (best of 3), vs kubectl port-forward svc + openssl s_client per endpoint", len(estateClients)),
		secs(served), secs(byHand), fmt.Sprintf("%.1fx faster", ratio), "faster than by hand", ratio > 1)
	rep.add("certs check --served: its cost over the Secret-only check (best of 3)",
		secs(served), secs(secretsOnly), fmt.Sprintf("+%s", secs(served-secretsOnly)), "under 2 s more", served-secretsOnly < 2*time.Second)
}
