//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/retry"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// annReloads is the simulator's knob for a workload whose pods read their certificate only at
// start (docs/simulator.md, "Served endpoints").
const annReloads = "kubevirt-sim.oc-cnv.io/reloads-certificates"

// servedRows returns the STATUS of every pod row of `certs check --served`, by the pod's
// Deployment (its name up to the ReplicaSet hash).
func servedRows(out string) map[string]string {
	rows := map[string]string{}
	for _, l := range tableLines(out) {
		f := strings.Fields(l)
		if len(f) < 3 || !strings.HasPrefix(f[1], "pod/") {
			continue
		}
		name := strings.TrimPrefix(f[1], "pod/")
		// pod names of a Deployment: <deployment>-<rs hash>-<suffix>
		if parts := strings.Split(name, "-"); len(parts) > 2 {
			name = strings.Join(parts[:len(parts)-2], "-")
		}
		rows[name] = strings.Join(f[len(f)-1:], " ")
	}
	return rows
}

// setPodTemplateAnnotation changes a Deployment's pod template, which rolls its pods, and waits
// for the rollout.
func setPodTemplateAnnotation(t *testing.T, ns, deploy, key, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, key, value)
	if _, err := framework.Get(t).Kube.AppsV1().Deployments(ns).Patch(context.Background(), deploy, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeploymentsReady(t, ns)
	waitOnePod(t, ns, deploy)
}

// waitOnePod waits until the old pods of a rollout are gone, so the one pod left is the new one.
func waitOnePod(t *testing.T, ns, deploy string) {
	t.Helper()
	framework.WaitFor(t, estateReadyWait, "deployment/"+deploy+" to have one pod", func() (bool, error) {
		pods, err := framework.Get(t).Kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		n := 0
		for _, p := range pods.Items {
			if strings.HasPrefix(p.Name, deploy+"-") {
				n++
			}
		}
		return n == 1, nil
	})
}

// reissueByDeletion deletes a certificate Secret and waits for its owner to write a new one, as
// an owner's own rotation would replace it under a running pod.
func reissueByDeletion(t *testing.T, ns, secret string) {
	t.Helper()
	before := serials(t, ns)[secret]
	if err := framework.Get(t).Kube.CoreV1().Secrets(ns).Delete(context.Background(), secret, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, estateReadyWait, "secret/"+secret+" to be re-issued", func() (bool, error) {
		now, ok := serials(t, ns)[secret]
		return ok && now != "" && now != before, nil
	})
}

// A pod that does not reload keeps serving the old certificate after its Secret is re-issued:
// only --served sees it, and the restart its error names fixes it.
func TestCertsServedStalePodFoundAndFixedByTheNamedRestart(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", longLived)

	res := env.Run(t, "certs", "check", "-n", ns, "--served")
	if res.ExitCode != 0 {
		t.Fatalf("a healthy estate: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	rows := servedRows(res.Stdout)
	for _, d := range []string{"cdi-apiserver", "cdi-uploadproxy"} {
		if rows[d] != "OK" {
			t.Errorf("pod of %s: %q, want OK\n%s\n%s", d, rows[d], res.Stdout, res.Stderr)
		}
	}

	setPodTemplateAnnotation(t, ns, "cdi-uploadproxy", annReloads, "false")
	reissueByDeletion(t, ns, "cdi-uploadproxy-server-cert")

	// Without --served, everything looks right: the Secret is new and trusted.
	if res := env.Run(t, "certs", "check", "-n", ns); res.ExitCode != 0 {
		t.Fatalf("Secret-only check after the re-issue: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = env.Run(t, "certs", "check", "-n", ns, "--served")
	if res.ExitCode != 7 {
		t.Fatalf("a stale pod: exit %d, want 7\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if got := servedRows(res.Stdout)["cdi-uploadproxy"]; got != "SERVING-STALE" {
		t.Errorf("pod of cdi-uploadproxy: %q, want SERVING-STALE\n%s", got, res.Stdout)
	}
	restart := fmt.Sprintf("`oc rollout restart -n %s deployment/cdi-uploadproxy`", ns)
	if !strings.Contains(res.Stderr, "serves an older certificate than its Secret (it did not reload): restart it: "+restart) {
		t.Errorf("the error does not name the restart %s:\n%s", restart, res.Stderr)
	}
	noKeyMaterial(t, res.Stdout, res.Stderr)

	// What the error says to do: a rollout restart (what `oc rollout restart` patches).
	setPodTemplateAnnotation(t, ns, "cdi-uploadproxy", "kubectl.kubernetes.io/restartedAt", time.Now().Format(time.RFC3339))
	res = env.Run(t, "certs", "check", "-n", ns, "--served")
	if res.ExitCode != 0 || servedRows(res.Stdout)["cdi-uploadproxy"] != "OK" {
		t.Errorf("after the restart: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// A rotation counts a certificate as rotated once it is served: a pod that does not reload
// holds the rotation until --timeout, which names it, instead of a success; the restart it
// calls for fixes it. Where the pods reload, the rotation ends saying the new certificates are
// served.
func TestCertsRotateWaitsUntilTheNewCertificateIsServed(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", longLived)
	setPodTemplateAnnotation(t, ns, "cdi-uploadproxy", annReloads, "false")

	res := env.Run(t, "certs", "rotate", "-n", ns, "secret/cdi-uploadproxy-server-cert", "--yes", "--timeout", "20s")
	if res.ExitCode != 3 {
		t.Fatalf("rotation under a pod that does not reload: exit %d, want 3\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if !regexp.MustCompile(`service/cdi-uploadproxy to serve the new certificate: pod/cdi-uploadproxy-\S+ still serves the old one`).MatchString(res.Stderr) {
		t.Errorf("the timeout does not name the pod that still serves the old certificate:\n%s", res.Stderr)
	}
	setPodTemplateAnnotation(t, ns, "cdi-uploadproxy", "kubectl.kubernetes.io/restartedAt", time.Now().Format(time.RFC3339))
	if res := env.Run(t, "certs", "check", "-n", ns, "--served"); res.ExitCode != 0 || servedRows(res.Stdout)["cdi-uploadproxy"] != "OK" {
		t.Errorf("after the restart: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}

	res = env.Run(t, "certs", "rotate", "-n", ns, "secret/cdi-apiserver-server-cert", "--yes", "--timeout", "60s")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "re-issued and trusted, served; pods Ready") {
		t.Errorf("rotation where the pods reload: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// A webhook whose caBundle no longer holds the CA that signed what its service presents: the
// API server would reject every call. Its operator is stopped so that nothing repairs it.
func TestCertsServedUntrustedByTheWebhookBundle(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", longLived)
	ctx := context.Background()
	hooks := env.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	name := "cdi-api-validate-" + ns
	// The owner registers its webhooks after its Secrets; wait for it before stopping it.
	framework.WaitFor(t, estateReadyWait, "validatingwebhookconfiguration/"+name, func() (bool, error) {
		_, err := hooks.Get(ctx, name, metav1.GetOptions{})
		return err == nil, err
	})
	scale(t, ns, "cdi-operator", 0)
	t.Cleanup(func() { scale(t, ns, "cdi-operator", 1) })
	other := issue(t, "some-other-ca", nil, time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour))
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		vwc, err := hooks.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for i := range vwc.Webhooks {
			vwc.Webhooks[i].ClientConfig.CABundle = other.CertPEM
		}
		_, err = hooks.Update(ctx, vwc, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	res := env.Run(t, "certs", "check", "-n", ns, "--served")
	if res.ExitCode != 7 {
		t.Fatalf("exit %d, want 7\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if got := servedRows(res.Stdout)["cdi-apiserver"]; got != "SERVING-UNTRUSTED" {
		t.Errorf("pod of cdi-apiserver: %q, want SERVING-UNTRUSTED\n%s", got, res.Stdout)
	}
	if !strings.Contains(res.Stderr, "its clients would reject what it serves (not in/does not chain to validatingwebhookconfiguration/"+name+")") {
		t.Errorf("the error does not say which bundle rejects it:\n%s", res.Stderr)
	}
	wide := env.Run(t, "certs", "check", "-n", ns, "--served", "-o", "wide")
	if !strings.Contains(wide.Stdout, "SERVING-UNTRUSTED (not in/does not chain to validatingwebhookconfiguration/"+name) {
		t.Errorf("-o wide does not give the reason:\n%s", wide.Stdout)
	}
}

// A user who may read the certificates but not open pods/portforward gets one line saying so,
// and the Secret-only check.
func TestCertsServedWithoutPortForwardFallsBack(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", longLived)
	kc, token := restrictedKubeconfig(t, ns, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps", "pods", "services", "namespaces"}, Verbs: []string{"get", "list"}},
	})
	res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "certs", "check", "-n", ns, "--served")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d, want 0 (the Secrets are healthy)\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	want := "Warning: --served: you may not create pods/portforward in namespace " + ns + ", so what its pods serve was not checked; the Secrets were"
	if !strings.Contains(res.Stderr, want) || strings.Count(res.Stderr, "pods/portforward") != 1 {
		t.Errorf("want the one line %q, got:\n%s", want, res.Stderr)
	}
	if rows := servedRows(res.Stdout); len(rows) != 0 {
		t.Errorf("pod rows without the permission: %v", rows)
	}
	if strings.Contains(res.Stdout+res.Stderr, token) {
		t.Error("the token was printed")
	}
}

// restrictedKubeconfig writes a kubeconfig for a new service account of ns that may do only
// what rules allow there, and returns its path and token (which no output may show).
func restrictedKubeconfig(t *testing.T, ns string, rules []rbacv1.PolicyRule) (path, token string) {
	t.Helper()
	env := framework.Get(t)
	ctx := context.Background()
	sa, err := env.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "viewer"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Kube.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "cert-viewer"}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = env.Kube.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "cert-viewer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "cert-viewer"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: ns}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := env.Kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa.Name, &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData, CertificateAuthority: env.Config.CAFile, InsecureSkipTLSVerify: env.Config.Insecure}
	kc.AuthInfos["viewer"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	kc.Contexts["viewer"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "viewer", Namespace: ns}
	kc.CurrentContext = "viewer"
	path = filepath.Join(t.TempDir(), "viewer.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(path, 0o600)
	return path, tok.Status.Token
}
