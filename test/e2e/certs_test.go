//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/certgen"
	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// fields normalises a table line to its whitespace-separated words, so the expected text does
// not depend on column widths.
func fields(s string) string { return strings.Join(strings.Fields(s), " ") }

func tableLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		lines = append(lines, fields(l))
	}
	return lines
}

func noKeyMaterial(t *testing.T, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, "PRIVATE KEY") || strings.Contains(o, "id_rsa") {
			t.Errorf("output shows key material:\n%s", o)
		}
	}
}

// Crafted Secrets in a namespace without any CNV component: every status, exact table text and
// exit codes.
func TestCertsCheckStatuses(t *testing.T) {
	env := framework.Get(t)
	ns := env.Namespace(t)
	base := time.Now().UTC().Truncate(time.Minute)
	day := 24 * time.Hour
	// Every NotAfter sits half a day past a whole day, so RESIDUAL is stable while the test runs.
	ca1 := issue(t, "test-ca-1", nil, base.Add(-day), base.Add(3650*day+12*time.Hour))
	ca2 := issue(t, "test-ca-2", nil, base.Add(-day), base.Add(3650*day+12*time.Hour))
	ok := issue(t, "web-ok", ca1, base.Add(-day), base.Add(200*day+12*time.Hour))
	expiring := issue(t, "web-expiring", ca1, base.Add(-100*day), base.Add(10*day+12*time.Hour))
	expired := issue(t, "web-expired", ca1, base.Add(-30*day), base.Add(-3*day-12*time.Hour))
	future := issue(t, "web-future", ca1, base.Add(2*day), base.Add(100*day+12*time.Hour))
	untrusted := issue(t, "web-untrusted", ca2, base.Add(-day), base.Add(120*day+12*time.Hour))
	mismatch := issue(t, "web-mismatch", ca1, base.Add(-day), base.Add(150*day+12*time.Hour))
	otherKey := issue(t, "other", ca1, base.Add(-day), base.Add(day))

	createSecret(t, ns, "web-ok", map[string][]byte{"tls.crt": ok.CertPEM, "tls.key": ok.KeyPEM, "ca.crt": ca1.CertPEM})
	createSecret(t, ns, "web-expiring", map[string][]byte{"tls.crt": expiring.CertPEM, "tls.key": expiring.KeyPEM})
	createSecret(t, ns, "web-expired", map[string][]byte{"tls.crt": expired.CertPEM, "tls.key": expired.KeyPEM})
	createSecret(t, ns, "web-future", map[string][]byte{"tls.crt": future.CertPEM, "tls.key": future.KeyPEM})
	createSecret(t, ns, "web-untrusted", map[string][]byte{"tls.crt": untrusted.CertPEM, "tls.key": untrusted.KeyPEM, "ca.crt": ca1.CertPEM})
	createSecret(t, ns, "web-mismatch", map[string][]byte{"tls.crt": mismatch.CertPEM, "tls.key": otherKey.KeyPEM})
	createSecret(t, ns, "not-a-cert", map[string][]byte{"password": []byte("hunter2"), "id": []byte("42")})

	exp := func(c *certgen.Pair) string { return c.Cert.NotAfter.UTC().Format("2006-01-02") }
	res := env.Run(t, "certs", "check", "-n", ns)
	want := []string{
		"COMPONENT OBJECT ROLE EXPIRES RESIDUAL STATUS",
		"- secret/web-expired serving " + exp(expired) + " 3d ago EXPIRED",
		"- secret/web-expiring serving " + exp(expiring) + " 10d EXPIRING (<30d)",
		"- secret/web-future serving " + exp(future) + " 100d NOT YET VALID",
		"- secret/web-untrusted serving " + exp(untrusted) + " 120d UNTRUSTED",
		"- secret/web-mismatch serving " + exp(mismatch) + " 150d KEY MISMATCH",
		"- secret/web-ok serving " + exp(ok) + " 200d OK",
		// test-ca-1 in the ca.crt of two Secrets: one row.
		"- secret/web-ok +1 bundle " + exp(ca1) + " 3650d OK",
		"",
		"7 certificates: 2 OK, 1 EXPIRING (<30d), 1 EXPIRED, 1 NOT YET VALID, 1 UNTRUSTED, 1 KEY MISMATCH.",
	}
	if got := tableLines(res.Stdout); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.ExitCode != 7 {
		t.Errorf("exit code %d, want 7 (certificate problems)", res.ExitCode)
	}
	// No component owns these Secrets: the advice says what can renew them, not certs rotate.
	wantErr := []string{
		"error: 4 certificate(s) fail the check (1 EXPIRED, 1 NOT YET VALID, 1 UNTRUSTED, 1 KEY MISMATCH). What fixes them:",
		"  secret/web-expired: no component owns it (certs rotate cannot renew it): issue a new one from test-ca-1 and replace it",
		"  secret/web-future: no component owns it (certs rotate cannot renew it): issue a new one from test-ca-1 and replace it",
		"  secret/web-untrusted: no component owns it (certs rotate cannot renew it): issue a new one from test-ca-2 and replace it",
		"  secret/web-mismatch: no component owns it (certs rotate cannot renew it): issue a new one from test-ca-1 and replace it",
	}
	if got := strings.TrimRight(res.Stderr, "\n"); got != strings.Join(wantErr, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, strings.Join(wantErr, "\n"))
	}
	if strings.Contains(res.Stdout, "\x1b[") {
		t.Error("colour codes in piped output")
	}

	js := env.Run(t, "certs", "check", "-n", ns, "-o", "json")
	var rep struct {
		Kind         string
		Certificates []struct {
			Name, Status, Serial string
		}
	}
	if err := json.Unmarshal([]byte(js.Stdout), &rep); err != nil || rep.Kind != "CertificateReport" || len(rep.Certificates) != 8 || js.ExitCode != 7 {
		t.Errorf("-o json: %v, kind %q, %d certificates, exit %d", err, rep.Kind, len(rep.Certificates), js.ExitCode)
	}
	wide := env.Run(t, "certs", "check", "-n", ns, "-o", "wide")
	if !strings.Contains(wide.Stdout, fmt.Sprintf("%x", untrusted.Cert.SerialNumber)) || !strings.Contains(wide.Stdout, "NOT BEFORE") || !strings.Contains(wide.Stdout, "SANS") {
		t.Errorf("-o wide lacks the serial, NOT BEFORE or SANS columns:\n%s", wide.Stdout)
	}
	noKeyMaterial(t, res.Stdout, res.Stderr, js.Stdout, wide.Stdout)

	// Without the broken ones: exit 0, unless --fail-within reaches the expiring one.
	for _, n := range []string{"web-expired", "web-future", "web-untrusted", "web-mismatch"} {
		if err := env.Kube.CoreV1().Secrets(ns).Delete(t.Context(), n, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if r := env.Run(t, "certs", "check", "-n", ns); r.ExitCode != 0 || !strings.Contains(r.Stdout, "3 certificates: 2 OK, 1 EXPIRING (<30d).") {
		t.Errorf("healthy and expiring: exit %d\n%s", r.ExitCode, r.Stdout)
	}
	// --fail-within marks the row it trips, and the summary and the error count that row.
	r := env.Run(t, "certs", "check", "-n", ns, "--fail-within", "30d", "--warn-within", "5d")
	if r.ExitCode != 7 || !strings.Contains(fields(r.Stdout), "- secret/web-expiring serving "+exp(expiring)+" 10d EXPIRING (<30d)") ||
		!strings.Contains(r.Stdout, "3 certificates: 2 OK, 1 EXPIRING (<30d).") ||
		!strings.HasPrefix(r.Stderr, "error: 1 certificate(s) fail the check (1 EXPIRING (<30d)). What fixes them:\n  secret/web-expiring: no component owns it") {
		t.Errorf("--fail-within 30d: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := env.Run(t, "certs", "check", "-n", ns, "--warn-within", "5d"); r.ExitCode != 0 || !strings.Contains(r.Stdout, "3 certificates: 3 OK.") {
		t.Errorf("--warn-within 5d: exit %d\n%s", r.ExitCode, r.Stdout)
	}
	if r := env.Run(t, "certs", "check", "-n", ns, "-o", "xml"); r.ExitCode != 2 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || !strings.Contains(r.Stderr, `"xml"`) {
		t.Errorf("-o xml: exit %d, want 2 and one line naming the format:\n%s", r.ExitCode, r.Stderr)
	}
}

// A healthy simulated installation: every certificate of every component is found, attributed
// and OK, webhook caBundles included, and the upload-token key is not mistaken for one.
func TestCertsCheckHealthyEstate(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt.cdi.kubemacpool.ssp", longLived)
	// -o wide: every bundle on a row of its own, under its full kind.
	res := env.Run(t, "certs", "check", "-n", ns, "-o", "wide")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d on a healthy estate", res.ExitCode)
	}
	lines := tableLines(res.Stdout)
	rows := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > 2 {
			rows[f[1]] = l
		}
	}
	for comp, secrets := range estateSecrets {
		for _, s := range secrets {
			row, found := rows["secret/"+s]
			if s == "cdi-api-signing-key" {
				if found {
					t.Errorf("the upload-token signing key is listed as a certificate: %s", row)
				}
				continue
			}
			if !found || !strings.HasPrefix(row, comp+" ") || !strings.HasSuffix(row, " OK") {
				t.Errorf("secret/%s: row %q, want component %s and OK", s, row, comp)
			}
		}
	}
	for _, wh := range []string{"validatingwebhookconfiguration/virt-api-validator-" + ns, "mutatingwebhookconfiguration/cdi-api-datavolume-mutate-" + ns,
		"mutatingwebhookconfiguration/kubemacpool-mutator-" + ns, "configmap/kubevirt-ca", "configmap/cdi-apiserver-signer-bundle"} {
		if _, ok := rows[wh]; !ok {
			t.Errorf("no row for the bundle of %s", wh)
		}
	}
	last := lines[len(lines)-1]
	if !strings.HasSuffix(last, " OK.") || strings.Contains(last, ",") {
		t.Errorf("summary %q is not all OK", last)
	}
	noKeyMaterial(t, res.Stdout, res.Stderr)
}

// A namespace that exists but holds no certificate is most likely the wrong -n: check exits 2
// with one line saying so and what to do, as rotate does; --allow-empty accepts it.
func TestCertsCheckEmptyNamespace(t *testing.T) {
	env := framework.Get(t)
	ns := env.Namespace(t)
	res := env.Run(t, "certs", "check", "-n", ns)
	want := `error: no certificates found in namespace "` + ns + `"; the virtualization components are usually in openshift-cnv on OpenShift Virtualization, kubevirt-hyperconverged on upstream HCO installs: pass their namespace with -n, or --allow-empty if an empty namespace is expected`
	if res.ExitCode != 2 || res.Stdout != "" || strings.TrimSpace(res.Stderr) != want {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 2 and:\n%s", res.ExitCode, res.Stdout, res.Stderr, want)
	}
	allow := env.Run(t, "certs", "check", "-n", ns, "--allow-empty")
	if allow.ExitCode != 0 || allow.Stdout != "" || strings.TrimSpace(allow.Stderr) != "No certificates found in namespace(s) ["+ns+"]." {
		t.Errorf("--allow-empty: exit %d\nstdout:\n%s\nstderr:\n%s", allow.ExitCode, allow.Stdout, allow.Stderr)
	}
	js := env.Run(t, "certs", "check", "-n", ns, "-o", "json")
	if js.ExitCode != 2 || js.Stdout != "" {
		t.Errorf("-o json: exit %d, stdout %q", js.ExitCode, js.Stdout)
	}
}

// The certs commands say in their help which namespace they use without -n: openshift-cnv, not
// the kubeconfig context's.
func TestCertsHelpNamesDefaultNamespace(t *testing.T) {
	env := framework.Get(t)
	for _, verb := range []string{"check", "rotate"} {
		res := env.Run(t, "certs", verb, "--help")
		if res.ExitCode != 0 || !strings.Contains(fields(res.Stdout), "Without -n it is openshift-cnv (or kubevirt-hyperconverged when the components are there instead), never the namespace of the kubeconfig context.") {
			t.Errorf("certs %s --help does not name the default namespace:\n%s", verb, res.Stdout)
		}
	}
}
