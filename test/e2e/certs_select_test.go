//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// changedSerials names the Secrets whose serial differs between two serials() snapshots.
func changedSerials(before, after map[string]string) []string {
	var out []string
	for name, s := range before {
		if after[name] != s {
			out = append(out, name)
		}
	}
	return out
}

// rotationState is what a rotation changes: serials, and the Deployments' replicas and
// restarts. The owners go on writing their objects for a while after an estate is made or
// rotated, so resourceVersions would change without any rotation.
func rotationState(t *testing.T, ns string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range serials(t, ns) {
		out["serial "+k] = v
	}
	for k, v := range versions(t, ns) {
		if strings.HasPrefix(k, "deployment/") {
			out[k] = v
		}
	}
	return out
}

// `certs rotate secret/NAME` re-issues that certificate only; a CA brings the leaves its owner
// re-signs with it; a Secret no component owns, or none at all, is refused in one line (exit 2)
// and nothing changes.
func TestCertsRotateSelectedSecrets(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt.cdi", nil)

	// An unowned certificate and an unknown name: one line each, exit 2, nothing changed. First,
	// while the estate is settled: after a rotation its owners go on writing for a while.
	ca := issue(t, "someone-else", nil, time.Now().Add(-24*time.Hour), time.Now().Add(300*24*time.Hour))
	createSecret(t, ns, "someone-elses-cert", map[string][]byte{"tls.crt": ca.CertPEM, "tls.key": ca.KeyPEM})
	vers := rotationState(t, ns)
	for arg, want := range map[string]string{
		"secret/someone-elses-cert": "error: secret/someone-elses-cert in namespace " + ns + ": no virtualization component owns it, so no operator can re-issue it; renew it where it was made and replace the Secret",
		"secret/no-such-secret":     "error: secret/no-such-secret in namespace " + ns + ": not found; name a Secret as the OBJECT column of `oc cnv certs check` shows it",
		"configmap/kubevirt-ca":     `error: "configmap/kubevirt-ca": name a certificate as secret/NAME, as the OBJECT column of ` + "`oc cnv certs check`" + ` shows it`,
	} {
		r := env.Run(t, "certs", "rotate", "-n", ns, "--yes", arg)
		if r.ExitCode != 2 || strings.TrimSpace(r.Stderr) != want || r.Stdout != "" {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 2 and:\n%s", arg, r.ExitCode, r.Stdout, r.Stderr, want)
		}
	}
	for k, v := range rotationState(t, ns) {
		if vers[k] != v {
			t.Errorf("%s changed after a refused rotation", k)
		}
	}

	before := serials(t, ns)
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m", "secret/kubevirt-virt-api-certs")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "  - only secret/kubevirt-virt-api-certs\n") {
		t.Fatalf("rotate secret/kubevirt-virt-api-certs: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	waitDeploymentsReady(t, ns)
	if got := changedSerials(before, serials(t, ns)); strings.Join(got, ",") != "kubevirt-virt-api-certs" {
		t.Errorf("changed serials: %v, want only kubevirt-virt-api-certs", got)
	}

	before = serials(t, ns)
	res = env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m", "secret/kubevirt-ca")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "  - only secret/kubevirt-ca, and the ") || !strings.Contains(res.Stdout, "virt-operator re-issues with it") {
		t.Fatalf("rotate secret/kubevirt-ca: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	after := serials(t, ns)
	for _, s := range estateSecrets["kubevirt"] {
		if s == "kubevirt-export-ca" {
			if after[s] != before[s] {
				t.Errorf("secret/%s, another CA, was re-issued", s)
			}
			continue
		}
		if after[s] == before[s] {
			t.Errorf("secret/%s was not re-issued with kubevirt-ca", s)
		}
	}
	for _, s := range estateSecrets["cdi"] {
		if after[s] != before[s] {
			t.Errorf("secret/%s of CDI was re-issued", s)
		}
	}

}

// A rotation of named Secrets that times out says to re-run it with the same names, not with
// --components, which would re-issue every certificate of the component.
func TestCertsRotateSelectedSecretTimeout(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", nil)
	n, err := env.Kube.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	n.Annotations[annFail] = "cdi"
	if _, err := env.Kube.CoreV1().Namespaces().Update(t.Context(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "6s", "secret/cdi-apiserver-server-cert")
	want := "then run `oc cnv certs rotate -n " + ns + " secret/cdi-apiserver-server-cert` again"
	if res.ExitCode != 3 || !strings.Contains(res.Stderr, want) {
		t.Errorf("exit %d, want 3 and %q:\n%s", res.ExitCode, want, res.Stderr)
	}
}
