//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/oc-cnv/oc-cnv/test/certgen"
	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The simulator's certificate owners manage every namespace carrying this label; its value
// lists the components (docs/simulator.md, "Certificate owners").
const (
	estateLabel     = "kubevirt-sim.oc-cnv.io/cnv"
	webhookEstate   = "kubevirt-sim.oc-cnv.io/estate" // on the webhook configurations of an estate
	annCADuration   = "kubevirt-sim.oc-cnv.io/ca-duration"
	annCARenew      = "kubevirt-sim.oc-cnv.io/ca-renew-before"
	annSrvDuration  = "kubevirt-sim.oc-cnv.io/server-duration"
	annSrvRenew     = "kubevirt-sim.oc-cnv.io/server-renew-before"
	annFail         = "kubevirt-sim.oc-cnv.io/fail"
	replicasRecord  = "certs.oc-cnv.io/replicas-before-rotation"
	estateReadyWait = 90 * time.Second
)

// Lifetimes long enough that a healthy estate is OK under the default --warn-within of 30d.
var longLived = map[string]string{annCADuration: "8760h", annCARenew: "720h", annSrvDuration: "4380h", annSrvRenew: "360h"}

var estateSecrets = map[string][]string{
	"kubevirt":    {"kubevirt-ca", "kubevirt-export-ca", "kubevirt-operator-certs", "kubevirt-virt-api-certs", "kubevirt-controller-certs", "kubevirt-virt-handler-server-certs", "kubevirt-virt-handler-certs", "kubevirt-exportproxy-certs"},
	"cdi":         {"cdi-apiserver-signer", "cdi-uploadproxy-signer", "cdi-uploadserver-signer", "cdi-uploadserver-client-signer", "cdi-apiserver-server-cert", "cdi-uploadproxy-server-cert", "cdi-uploadserver-client-cert", "cdi-api-signing-key"},
	"kubemacpool": {"kubemacpool-mutator-ca", "kubemacpool-service"},
	"ssp":         {"virt-template-validator-certs"},
}

// estateWebhooks counts the webhook configurations each component's owner keeps
// (test/kubevirt-sim/certowners).
var estateWebhooks = map[string]int{"kubevirt": 3, "cdi": 6, "kubemacpool": 1, "ssp": 1}

// newEstate makes a namespace with a simulated CNV installation of components and waits until
// every certificate Secret is filled in, every webhook configuration has its caBundle, and every
// Deployment is Ready: the owners write nothing more until something changes.
func newEstate(t *testing.T, components string, ann map[string]string) string {
	t.Helper()
	env := framework.Get(t)
	ns := env.Namespace(t)
	ctx := context.Background()
	n, err := env.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Labels[estateLabel] = components
	n.Annotations = ann
	if _, err := env.Kube.CoreV1().Namespaces().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var want []string
	hooks := 0
	for _, c := range strings.Split(components, ".") {
		want = append(want, estateSecrets[c]...)
		hooks += estateWebhooks[c]
	}
	framework.WaitFor(t, estateReadyWait, "the simulated certificate owners to issue "+components, func() (bool, error) {
		for _, name := range want {
			// An owner may create a Secret before it fills it in (CDI's SDK does).
			s, err := env.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if len(s.Data) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	framework.WaitFor(t, estateReadyWait, fmt.Sprintf("the %d webhook configurations of %s to have their caBundle", hooks, ns), func() (bool, error) {
		bundles, err := webhookBundles(ctx, env.Kube, ns)
		if err != nil || len(bundles) < hooks {
			return false, err
		}
		for _, b := range bundles {
			if len(b) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	waitDeploymentsReady(t, ns)
	return ns
}

// webhookBundles returns the caBundle of every webhook configuration of the estate, by name.
func webhookBundles(ctx context.Context, kube kubernetes.Interface, ns string) (map[string][]byte, error) {
	api := kube.AdmissionregistrationV1()
	sel := metav1.ListOptions{LabelSelector: webhookEstate + "=" + ns}
	out := map[string][]byte{}
	vl, err := api.ValidatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, c := range vl.Items {
		for _, w := range c.Webhooks {
			out["validatingwebhookconfiguration/"+c.Name] = w.ClientConfig.CABundle
		}
	}
	ml, err := api.MutatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, c := range ml.Items {
		for _, w := range c.Webhooks {
			out["mutatingwebhookconfiguration/"+c.Name] = w.ClientConfig.CABundle
		}
	}
	return out, nil
}

func waitDeploymentsReady(t *testing.T, ns string) {
	t.Helper()
	env := framework.Get(t)
	framework.WaitFor(t, estateReadyWait, "the Deployments of "+ns+" to be Ready", func() (bool, error) {
		l, err := env.Kube.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil || len(l.Items) == 0 {
			return false, err
		}
		for _, d := range l.Items {
			if !deploymentReady(&d) {
				return false, nil
			}
		}
		return true, nil
	})
}

func deploymentReady(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.ReadyReplicas == want && s.UpdatedReplicas == want && s.Replicas == want
}

func scale(t *testing.T, ns, name string, replicas int32) {
	t.Helper()
	env := framework.Get(t)
	// The owners write their Deployments too; a conflict is retried, as kubectl scale does.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s, err := env.Kube.AppsV1().Deployments(ns).GetScale(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		s.Spec.Replicas = replicas
		_, err = env.Kube.AppsV1().Deployments(ns).UpdateScale(context.Background(), name, s, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func replicasOf(t *testing.T, ns, name string) (int32, map[string]string) {
	t.Helper()
	d, err := framework.Get(t).Kube.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas, d.Annotations
}

// serials identifies the first certificate of every Secret of the namespace by its serial and
// the start of its SHA-256: serials alone do not tell kubemacpool's CAs apart (all are 0).
func serials(t *testing.T, ns string) map[string]string {
	t.Helper()
	l, err := framework.Get(t).Kube.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range l.Items {
		for _, k := range []string{"tls.crt", "ca.crt"} {
			if b, _ := pem.Decode(s.Data[k]); b != nil {
				if c, err := x509.ParseCertificate(b.Bytes); err == nil {
					sum := sha256.Sum256(c.Raw)
					out[s.Name] = fmt.Sprintf("%s/%x", c.SerialNumber, sum[:4])
					break
				}
			}
		}
	}
	return out
}

// versions snapshots the resourceVersion of everything a rotation could change.
func versions(t *testing.T, ns string) map[string]string {
	t.Helper()
	env := framework.Get(t)
	ctx := context.Background()
	out := map[string]string{}
	secrets, err := env.Kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range secrets.Items {
		out["secret/"+o.Name] = o.ResourceVersion
	}
	cms, err := env.Kube.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cms.Items {
		out["configmap/"+o.Name] = o.ResourceVersion
	}
	deps, err := env.Kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range deps.Items {
		// Status updates are not changes made by the command; spec and metadata are.
		out["deployment/"+o.Name] = fmt.Sprintf("%s/%d/%s", o.Annotations[replicasRecord], *o.Spec.Replicas, o.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"])
	}
	vw, err := env.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{LabelSelector: webhookEstate + "=" + ns})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range vw.Items {
		out["validating/"+o.Name] = o.ResourceVersion
	}
	mw, err := env.Kube.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{LabelSelector: webhookEstate + "=" + ns})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range mw.Items {
		out["mutating/"+o.Name] = o.ResourceVersion
	}
	return out
}

// issue makes a CA when ca is nil, else a serving certificate that ca signs.
func issue(t *testing.T, cn string, ca *certgen.Pair, notBefore, notAfter time.Time) *certgen.Pair {
	t.Helper()
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: ca == nil}
	if ca != nil {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	return certgen.Issue(t, tmpl, ca)
}

func createSecret(t *testing.T, ns, name string, data map[string][]byte) {
	t.Helper()
	_, err := framework.Get(t).Kube.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
