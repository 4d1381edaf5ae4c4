package certs

import (
	"context"
	"maps"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func tlsSecret(ns, name string, crt, key []byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"tls.crt": crt, "tls.key": key}}
}

func TestScanClassifiesEveryStatus(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	rogue := mkCert(t, "rogue", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	healthy := mkCert(t, "virt-api", false, ca, now.Add(-time.Hour), now.Add(200*24*time.Hour))
	expiring := mkCert(t, "virt-controller", false, ca, now.Add(-100*24*time.Hour), now.Add(10*24*time.Hour))
	expired := mkCert(t, "virt-handler", false, ca, now.Add(-48*time.Hour), now.Add(-3*24*time.Hour))
	future := mkCert(t, "export", false, ca, now.Add(24*time.Hour), now.Add(100*24*time.Hour))
	untrusted := mkCert(t, "operator", false, rogue, now.Add(-time.Hour), now.Add(100*24*time.Hour))
	other := mkCert(t, "other", false, ca, now.Add(-time.Hour), now.Add(100*24*time.Hour))

	objs := []runtime.Object{
		tlsSecret(ns, "kubevirt-ca", ca.certPEM, ca.keyPEM),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-ca"}, Data: map[string]string{"ca-bundle": string(ca.certPEM)}},
		tlsSecret(ns, "kubevirt-virt-api-certs", healthy.certPEM, healthy.keyPEM),
		tlsSecret(ns, "kubevirt-controller-certs", expiring.certPEM, expiring.keyPEM),
		tlsSecret(ns, "kubevirt-virt-handler-server-certs", expired.certPEM, expired.keyPEM),
		tlsSecret(ns, "kubevirt-virt-handler-certs", future.certPEM, future.keyPEM),
		tlsSecret(ns, "kubevirt-operator-certs", untrusted.certPEM, untrusted.keyPEM),
		tlsSecret(ns, "kubevirt-controller-certs-mismatch", healthy.certPEM, other.keyPEM),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cdi-api-signing-key"}, Data: map[string][]byte{"id_rsa": ca.keyPEM}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "plain"}, Data: map[string][]byte{"password": []byte("x")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "elsewhere", Name: "not-scanned"}, Data: map[string][]byte{"tls.crt": other.certPEM}},
		&admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "virt-api-validator"}, Webhooks: []admissionv1.ValidatingWebhook{{
			Name: "x", ClientConfig: admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: ns, Name: "virt-api"}, CABundle: rogue.certPEM}}}},
	}
	s := &Scanner{Client: fake.NewSimpleClientset(objs...), Now: func() time.Time { return now }, WarnWithin: 30 * 24 * time.Hour, PageSize: 2}
	rep, err := s.Scan(context.Background(), []string{ns})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Status{}
	for _, c := range rep.Certificates {
		got[c.Object()+"/"+string(c.Role)] = c.Status
		if c.Name == "not-scanned" {
			t.Error("a Secret outside the namespace was scanned")
		}
		if c.Name == "cdi-api-signing-key" || c.Name == "plain" {
			t.Errorf("%s holds no certificate but was listed", c.Name)
		}
	}
	want := map[string]Status{
		"secret/kubevirt-ca/CA":                                    StatusOK,
		"configmap/kubevirt-ca/bundle":                             StatusOK,
		"secret/kubevirt-controller-certs/serving":                 StatusExpiring,
		"secret/kubevirt-virt-handler-server-certs/serving":        StatusExpired,
		"secret/kubevirt-virt-handler-certs/client":                StatusNotYetValid,
		"secret/kubevirt-operator-certs/serving":                   StatusUntrusted,
		"secret/kubevirt-controller-certs-mismatch/serving":        StatusKeyMismatch,
		"validatingwebhookconfiguration/virt-api-validator/bundle": StatusOK,
		// The API server verifies virt-api with the webhook's caBundle, which holds the wrong CA.
		"secret/kubevirt-virt-api-certs/serving": StatusUntrusted,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: status %q, want %q", k, got[k], w)
		}
	}
	// Soonest expiry first.
	for i := 1; i < len(rep.Certificates); i++ {
		if rep.Certificates[i].NotAfter.Before(rep.Certificates[i-1].NotAfter) {
			t.Fatal("not sorted by expiry")
		}
	}
	// What the summary under the table of pkg/printers counts.
	counts := map[string]int{}
	for i := range rep.Certificates {
		counts[rep.Certificates[i].StatusText()]++
	}
	wantCounts := map[string]int{"OK": 3, "EXPIRING (<30d)": 1, "EXPIRED": 1, "NOT YET VALID": 1, "UNTRUSTED": 2, "KEY MISMATCH": 1}
	if len(rep.Certificates) != 9 || !maps.Equal(counts, wantCounts) {
		t.Errorf("%d certificates by status: %v, want 9: %v", len(rep.Certificates), counts, wantCounts)
	}
}

func TestShortLivedCertificateIsOnlyExpiringPastHalfItsLife(t *testing.T) {
	now := time.Now()
	ca := mkCert(t, "ca", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	fresh := Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(23 * time.Hour), Role: RoleServing, cert: ca.cert}
	classify(&fresh, bundleIndex{}, now, 30*24*time.Hour)
	late := Certificate{NotBefore: now.Add(-13 * time.Hour), NotAfter: now.Add(11 * time.Hour), Role: RoleServing, cert: ca.cert}
	classify(&late, bundleIndex{}, now, 30*24*time.Hour)
	if fresh.Status != StatusOK || late.Status != StatusExpiring {
		t.Fatalf("fresh %s, late %s", fresh.Status, late.Status)
	}
}
