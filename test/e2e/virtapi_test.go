//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The eviction interceptor the API server calls is KubeVirt's own virt-api (hack/cluster.sh,
// docs/simulator.md): registered as virt-operator's generator makes it but for a URL on the
// loopback, serving the certificate of the Secret virt-operator's code writes, and following
// that Secret when it is re-issued, as virt-api follows its mounted Secret on a real cluster.
// Not parallel: it re-issues the CNV namespace's virt-api certificate.
func TestVirtAPIServesItsSecretAndFollowsItsRotation(t *testing.T) {
	env := framework.Get(t)
	ctx := context.Background()
	ns := env.CNVNamespace

	cfg, err := env.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, "virt-api-validator", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var hook *admv1.ValidatingWebhook
	for i := range cfg.Webhooks {
		if cfg.Webhooks[i].Name == "virt-launcher-eviction-interceptor.kubevirt.io" {
			hook = &cfg.Webhooks[i]
		}
	}
	if hook == nil || hook.ClientConfig.Service != nil || hook.ClientConfig.URL == nil {
		t.Fatalf("virt-api-validator has no eviction interceptor called by URL: %+v", cfg.Webhooks)
	}
	u, err := url.Parse(*hook.ClientConfig.URL)
	if err != nil || u.Scheme != "https" || u.Hostname() != "127.0.0.1" || u.Path != "/launcher-eviction-validate" {
		t.Fatalf("eviction interceptor URL %q: want https://127.0.0.1:PORT/launcher-eviction-validate", *hook.ClientConfig.URL)
	}
	if hook.FailurePolicy == nil || *hook.FailurePolicy != admv1.Fail || len(hook.MatchConditions) != 1 || hook.MatchConditions[0].Name != "only-vms" ||
		len(hook.Rules) != 1 || !slices.Contains(hook.Rules[0].Resources, "pods/eviction") {
		t.Errorf("eviction interceptor is not upstream's: %+v", hook)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(hook.ClientConfig.CABundle) {
		t.Fatal("the webhook's caBundle holds no certificate")
	}

	// served is the certificate virt-api presents to a client that checks it as the API server
	// does: against the caBundle, for the URL's host.
	served := func() (*x509.Certificate, error) {
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})
		if err != nil {
			return nil, err
		}
		defer func() { _ = conn.Close() }()
		return conn.ConnectionState().PeerCertificates[0], nil
	}
	secretCert := func() (*x509.Certificate, error) {
		s, err := env.Kube.CoreV1().Secrets(ns).Get(ctx, "kubevirt-virt-api-certs", metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		b, _ := pem.Decode(s.Data[corev1.TLSCertKey])
		if b == nil {
			return nil, nil
		}
		return x509.ParseCertificate(b.Bytes)
	}
	servesSecret := func(what string) *x509.Certificate {
		t.Helper()
		var want *x509.Certificate
		framework.WaitFor(t, time.Minute, what, func() (bool, error) {
			var err error
			if want, err = secretCert(); err != nil || want == nil {
				return false, err
			}
			got, err := served()
			if err != nil {
				return false, nil //nolint:nilerr // virt-api may be reloading: keep waiting
			}
			return got.SerialNumber.Cmp(want.SerialNumber) == 0 && slices.Equal(got.DNSNames, want.DNSNames) && got.NotAfter.Equal(want.NotAfter), nil
		})
		return want
	}
	first := servesSecret("virt-api to serve the certificate of " + ns + "/kubevirt-virt-api-certs")

	// A kubevirt.io/duration other than the configured one makes virt-operator's code re-issue
	// the Secret (what `certs rotate` relies on for KubeVirt).
	patch := []byte(`{"metadata":{"annotations":{"kubevirt.io/duration":"1h0m0s"}}}`)
	if _, err := env.Kube.CoreV1().Secrets(ns).Patch(ctx, "kubevirt-virt-api-certs", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, time.Minute, "virt-operator's code to re-issue kubevirt-virt-api-certs", func() (bool, error) {
		c, err := secretCert()
		return err == nil && c != nil && c.SerialNumber.Cmp(first.SerialNumber) != 0, err
	})
	servesSecret("virt-api to serve the re-issued certificate")
}

// virt-api's migration-create-validator refuses a migration of a VMI that is not
// live-migratable, with its own message, instead of letting it be created and fail.
func TestVirtAPIRefusesMigrationOfANonMigratableVMI(t *testing.T) {
	t.Parallel()
	env := framework.Get(t)
	ns := env.Namespace(t)
	nodes := env.Nodes(t, 2)
	env.Apply(t, ns, framework.RWOClaimYAML+simVM("rwo", nodes, "LiveMigrate", framework.RWOVolumeYAML))
	simWaitVMIRunning(t, env, ns, "rwo", func(v *virtv1.VirtualMachineInstance) bool {
		c := simCondition(v, virtv1.VirtualMachineInstanceIsMigratable)
		return c != nil && c.Status == corev1.ConditionFalse
	})
	_, err := env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).Create(context.Background(), &virtv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Name: "away"},
		Spec:       virtv1.VirtualMachineInstanceMigrationSpec{VMIName: "rwo"},
	}, metav1.CreateOptions{})
	want := `admission webhook "migration-create-validator.kubevirt.io" denied the request: Cannot migrate VMI, Reason: DisksNotLiveMigratable`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("migration of a VMI with a ReadWriteOnce disk: %v; want an error containing %q", err, want)
	}
}
