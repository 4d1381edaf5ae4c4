package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

// The registered configuration is upstream's but for the client config: same names, rules,
// failure policy, side effects, timeouts and match conditions, only the kept webhooks, and each
// calling 127.0.0.1 on its upstream path with the bundle.
func TestURLConfigsKeepUpstreamButTheService(t *testing.T) {
	bundle := []byte("bundle")
	v, m, err := urlConfigs("openshift-cnv", "https://127.0.0.1:9483", bundle, defaultWebhooks)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		t.Errorf("no mutating webhook was asked for, got %v", m.Webhooks)
	}
	up := components.NewVirtAPIValidatingWebhookConfiguration("openshift-cnv")
	if v.Name != "virt-api-validator" || !equality.Semantic.DeepEqual(v.Labels, up.Labels) || !equality.Semantic.DeepEqual(v.Annotations, up.Annotations) {
		t.Errorf("metadata %v, upstream %v", v.ObjectMeta, up.ObjectMeta)
	}
	upstream := map[string]admv1.ValidatingWebhook{}
	for _, h := range up.Webhooks {
		upstream[h.Name] = h
	}
	var names []string
	for _, h := range v.Webhooks {
		names = append(names, h.Name)
		u := upstream[h.Name]
		if h.ClientConfig.Service != nil || string(h.ClientConfig.CABundle) != "bundle" || h.ClientConfig.URL == nil ||
			*h.ClientConfig.URL != "https://127.0.0.1:9483"+*u.ClientConfig.Service.Path {
			t.Errorf("%s: client config %+v", h.Name, h.ClientConfig)
		}
		h.ClientConfig = u.ClientConfig
		if !equality.Semantic.DeepEqual(h, u) {
			t.Errorf("%s differs from upstream's beyond its client config:\n%+v\n%+v", h.Name, h, u)
		}
	}
	if strings.Join(names, ",") != strings.Join(defaultWebhooks, ",") {
		t.Errorf("webhooks %v, want %v", names, defaultWebhooks)
	}
	ev := v.Webhooks[0]
	if *ev.ClientConfig.URL != "https://127.0.0.1:9483/launcher-eviction-validate" || *ev.FailurePolicy != admv1.Fail ||
		len(ev.MatchConditions) != 1 || ev.MatchConditions[0].Expression != `object.metadata.name.startsWith("virt-launcher")` {
		t.Errorf("eviction interceptor %+v", ev)
	}
}

func TestURLConfigsMutatingAndUnknown(t *testing.T) {
	_, m, err := urlConfigs("ns", "https://127.0.0.1:1", nil, []string{"migrations-mutator.kubevirt.io"})
	if err != nil || m == nil || len(m.Webhooks) != 1 || *m.Webhooks[0].ClientConfig.URL != "https://127.0.0.1:1/migration-mutate-create" {
		t.Fatalf("mutating: %v %+v", err, m)
	}
	if _, _, err := urlConfigs("ns", "https://127.0.0.1:1", nil, []string{"no-such.kubevirt.io", defaultWebhooks[0]}); err == nil || !strings.Contains(err.Error(), "no-such.kubevirt.io") {
		t.Errorf("an unknown webhook: %v", err)
	}
}

// What the API server defaults is not a difference; a changed URL or bundle is.
func TestSameValidatingIgnoresServerDefaults(t *testing.T) {
	v, _, _ := urlConfigs("ns", "https://127.0.0.1:1", []byte("a"), defaultWebhooks[:1])
	want := v.Webhooks[0]
	have := *want.DeepCopy()
	exact := admv1.Exact
	all := admv1.AllScopes
	have.MatchPolicy = &exact
	have.NamespaceSelector = &metav1.LabelSelector{}
	have.ObjectSelector = &metav1.LabelSelector{}
	have.Rules[0].Scope = &all
	if !sameValidating(have, want) {
		t.Error("server defaults counted as a difference")
	}
	url := "https://127.0.0.1:2/launcher-eviction-validate"
	have.ClientConfig.URL = &url
	if sameValidating(have, want) {
		t.Error("another URL not seen")
	}
}

// upstreamSecrets returns kubevirt-ca and kubevirt-virt-api-certs as virt-operator's code makes
// them.
func upstreamSecrets(t *testing.T, ns string) (*corev1.Secret, *tls.Certificate, *corev1.Secret) {
	t.Helper()
	d := &metav1.Duration{Duration: 24 * time.Hour}
	var caSecret *corev1.Secret
	for _, s := range components.NewCACertSecrets(ns) {
		if s.Name == components.KubeVirtCASecretName {
			caSecret = s
		}
	}
	if err := components.PopulateSecretWithCertificate(caSecret, nil, d); err != nil {
		t.Fatal(err)
	}
	ca, err := components.LoadCertificates(caSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range components.NewCertSecrets(ns, ns) {
		if s.Name == components.VirtApiCertSecretName {
			if err := components.PopulateSecretWithCertificate(s, ca, d); err != nil {
				t.Fatal(err)
			}
			return caSecret, ca, s
		}
	}
	t.Fatal("no virt-api Secret upstream")
	return nil, nil, nil
}

func TestLoopbackServingIsTheSecretsCertificateWith127001(t *testing.T) {
	_, ca, s := upstreamSecrets(t, "openshift-cnv")
	orig, _ := components.LoadCertificates(s)
	if len(orig.Leaf.IPAddresses) != 0 {
		t.Fatalf("upstream's certificate names IPs already: %v", orig.Leaf.IPAddresses)
	}
	certPEM, keyPEM, err := loopbackServing(s, []*tls.Certificate{ca})
	if err != nil {
		t.Fatal(err)
	}
	if string(keyPEM) != string(s.Data["tls.key"]) {
		t.Error("the key is not the Secret's")
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	b, _ := pem.Decode(certPEM)
	got, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	o := orig.Leaf
	if got.SerialNumber.Cmp(o.SerialNumber) != 0 || got.Subject.String() != o.Subject.String() || !got.NotBefore.Equal(o.NotBefore) ||
		!got.NotAfter.Equal(o.NotAfter) || !equality.Semantic.DeepEqual(got.DNSNames, o.DNSNames) || !equality.Semantic.DeepEqual(got.ExtKeyUsage, o.ExtKeyUsage) {
		t.Errorf("re-signed certificate differs beyond its IPs:\n%+v\n%+v", got, o)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Leaf)
	for _, name := range []string{"127.0.0.1", "virt-api.openshift-cnv.svc"} {
		if _, err := got.Verify(x509.VerifyOptions{DNSName: name, Roots: pool}); err != nil {
			t.Errorf("not valid for %s under kubevirt-ca: %v", name, err)
		}
	}

	// Signed by a CA not seen: refused, not signed by another CA.
	_, other, _ := upstreamSecrets(t, "openshift-cnv")
	if _, _, err := loopbackServing(s, []*tls.Certificate{other}); err == nil {
		t.Error("re-signed by a CA that did not sign it")
	}
	// A rotated CA seen later still signs the leaf it issued.
	if _, _, err := loopbackServing(s, []*tls.Certificate{other, ca}); err != nil {
		t.Errorf("the issuing CA among older ones: %v", err)
	}
}

func TestWriteVolumeSwapsAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	changed, err := writeVolume(dir, map[string][]byte{"tls.crt": []byte("c1"), "tls.key": []byte("k1")})
	if err != nil || !changed {
		t.Fatalf("first write: %v %v", changed, err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if read("tls.crt") != "c1" || read("tls.key") != "k1" {
		t.Fatal("payload not readable through the links")
	}
	first, _ := os.Readlink(filepath.Join(dir, "..data"))
	if changed, err := writeVolume(dir, map[string][]byte{"tls.crt": []byte("c1"), "tls.key": []byte("k1")}); err != nil || changed {
		t.Fatalf("unchanged payload rewritten: %v %v", changed, err)
	}
	if changed, err := writeVolume(dir, map[string][]byte{"tls.crt": []byte("c2"), "tls.key": []byte("k2")}); err != nil || !changed {
		t.Fatalf("update: %v %v", changed, err)
	}
	if read("tls.crt") != "c2" || read("tls.key") != "k2" {
		t.Fatal("update not visible")
	}
	if _, err := os.Stat(filepath.Join(dir, first)); !os.IsNotExist(err) {
		t.Errorf("old payload directory %s left behind", first)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "tls.crt")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("tls.crt is not a link into ..data")
	}
}
