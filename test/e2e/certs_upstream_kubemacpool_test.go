//go:build e2e

package e2e

import (
	"context"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// These tests run on the kubemacpool certificates that kubemacpool's own certificate manager
// writes: hack/cluster.sh starts hack/tools/kubemacpool's kubemacpool-certs, which runs
// qinqon/kube-admission-webhook's certificate.Manager (docs/simulator.md).

// pemCount is how many certificates a Secret's key holds.
func pemCount(t *testing.T, ns, secret, key string) int {
	t.Helper()
	s, err := framework.Get(t).Kube.CoreV1().Secrets(ns).Get(context.Background(), secret, metav1.GetOptions{})
	if err != nil {
		return 0
	}
	n := 0
	for rest := s.Data[key]; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return n
		}
		n++
	}
}

// The manager renews a serving certificate with overlap by prepending the new one to tls.crt and
// keeping the older ones: check judges the first (the one that matches tls.key) and finds it
// trusted, and a rotation (the CA Secret deleted) ends with the new certificates trusted and
// served.
func TestCertsUpstreamKubemacpoolOverlappingServingCerts(t *testing.T) {
	// The serving certificate lives a minute and is renewed 50s before it ends: every 10s.
	ns := newEstate(t, "kubemacpool", map[string]string{annCADuration: "8760h", annCARenew: "720h", annSrvDuration: "1m", annSrvRenew: "50s"})
	framework.WaitFor(t, 90*time.Second, "the manager to renew kubemacpool-service with overlap (two certificates in tls.crt)", func() (bool, error) {
		return pemCount(t, ns, "kubemacpool-service", "tls.crt") >= 2, nil
	})

	rep, res := checkReport(t, "-n", ns, "--warn-within", "0d")
	found := false
	for _, c := range rep.Certificates {
		if c.Kind != "Secret" {
			continue
		}
		if c.Name == "kubemacpool-service" {
			found = true
		}
		if c.Status != "OK" {
			t.Errorf("secret/%s: %s %s, want OK (tls.crt holds %d certificates)\n%s", c.Name, c.Status, c.Reason, pemCount(t, ns, "kubemacpool-service", "tls.crt"), res.Stdout)
		}
	}
	if !found || res.ExitCode != 0 {
		t.Errorf("certs check: exit %d, kubemacpool-service listed: %v\n%s\n%s", res.ExitCode, found, res.Stdout, res.Stderr)
	}
	noKeyMaterial(t, res.Stdout, res.Stderr)

	env := framework.Get(t)
	res = env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m")
	if res.ExitCode != 0 {
		t.Fatalf("rotation of kubemacpool: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	want := fmt.Sprintf("All %d certificate(s) re-issued and trusted, served; pods Ready.", 2)
	if !strings.Contains(res.Stdout, want) {
		t.Errorf("the rotation does not end with %q:\n%s", want, res.Stdout)
	}
}
