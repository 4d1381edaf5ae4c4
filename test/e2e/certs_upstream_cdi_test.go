//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// These tests run on the CDI certificates that cdi-operator's own code writes: hack/cluster.sh
// starts hack/tools/cdi's cdi-certs, which runs CDI v1.59.0's certificate manager and the
// openshift/library-go certrotation it drives (docs/simulator.md).

// cdiCertSecrets are the Secrets CDI's cert factory defines: four signers, three targets.
var cdiCertSecrets = []string{"cdi-apiserver-signer", "cdi-uploadproxy-signer", "cdi-uploadserver-signer", "cdi-uploadserver-client-signer",
	"cdi-apiserver-server-cert", "cdi-uploadproxy-server-cert", "cdi-uploadserver-client-cert"}

// What upstream writes is what check reads: every Secret carries library-go's annotations and
// CDI's certConfig, and is OK; both strategies re-issue all seven and end served and trusted.
func TestCertsUpstreamCDIChecksAndRotatesWithBothStrategies(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", longLived)
	ctx := context.Background()
	for _, name := range cdiCertSecrets {
		s, err := env.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ann := range []string{"auth.openshift.io/certificate-not-after", "operator.cdi.kubevirt.io/certConfig"} {
			if s.Annotations[ann] == "" {
				t.Errorf("secret/%s has no %s: not written by CDI's certificate manager?", name, ann)
			}
		}
	}

	rep, res := checkReport(t, "-n", ns)
	seen := map[string]bool{}
	for _, c := range rep.Certificates {
		if c.Kind == "Secret" {
			seen[c.Name] = true
			if c.Status != "OK" {
				t.Errorf("secret/%s: %s %s, want OK\n%s", c.Name, c.Status, c.Reason, res.Stdout)
			}
		}
	}
	for _, name := range cdiCertSecrets {
		if !seen[name] {
			t.Errorf("certs check does not list secret/%s\n%s", name, res.Stdout)
		}
	}
	if res.ExitCode != 0 {
		t.Errorf("certs check: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}

	for _, strategy := range []string{"reissue", "recreate"} {
		if !t.Run(strategy, func(t *testing.T) {
			old := serials(t, ns)
			res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--strategy", strategy, "--timeout", "2m")
			if res.ExitCode != 0 || !strings.Contains(res.Stdout, "re-issued and trusted, served") {
				t.Fatalf("certs rotate --strategy %s: exit %d\n%s\n%s", strategy, res.ExitCode, res.Stdout, res.Stderr)
			}
			assertAllReissued(t, old, serials(t, ns))
			// The webhooks carry the new signer once cdi-operator's next reconcile ran.
			framework.WaitFor(t, time.Minute, "the webhooks of "+ns+" to trust the new cdi-apiserver signer", func() (bool, error) {
				check, _ := checkReport(t, "-n", ns)
				for _, c := range check.Certificates {
					if c.Status != "OK" {
						return false, nil
					}
				}
				return true, nil
			})
		}) {
			return
		}
	}
}
