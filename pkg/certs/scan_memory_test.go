package certs

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

// A scan keeps the parsed certificates only where trust must still be judged against bundles
// read later (catalogue certificates, and the bundles they name); every other certificate is
// judged as it is read and only its summary is kept, with the same statuses as before.
func TestScanKeepsParsedCertificatesOnlyWhereNeeded(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	rogue := mkCert(t, "rogue", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	api := mkCert(t, "virt-api", false, ca, now.Add(-time.Hour), now.Add(200*24*time.Hour))
	mine := mkCert(t, "mine", false, ca, now.Add(-time.Hour), now.Add(200*24*time.Hour))

	withCA := func(name string, leaf, own *testPair) *corev1.Secret {
		s := tlsSecret(ns, name, leaf.certPEM, leaf.keyPEM)
		s.Data["ca.crt"] = own.certPEM
		return s
	}
	objs := []kruntime.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-ca"}, Data: map[string]string{"ca-bundle": string(ca.certPEM)}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "someone-elses"}, Data: map[string]string{"ca.crt": string(rogue.certPEM)}},
		tlsSecret(ns, "kubevirt-virt-api-certs", api.certPEM, api.keyPEM),
		withCA("own-ca-ok", mine, ca),
		withCA("own-ca-wrong", mine, rogue),
	}
	s := &Scanner{Client: fake.NewSimpleClientset(objs...), Now: func() time.Time { return now }, WarnWithin: 30 * 24 * time.Hour}
	rep, err := s.Scan(context.Background(), []string{ns})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		status Status
		parsed bool // the parsed certificate is still held
	}
	wants := map[string]want{
		"configmap/kubevirt-ca/ca-bundle":        {StatusOK, false},
		"configmap/someone-elses/ca.crt":         {StatusOK, false},
		"secret/kubevirt-virt-api-certs/tls.crt": {StatusOK, true},
		"secret/own-ca-ok/tls.crt":               {StatusOK, false},
		"secret/own-ca-ok/ca.crt":                {StatusOK, false},
		"secret/own-ca-wrong/tls.crt":            {StatusUntrusted, true},
		"secret/own-ca-wrong/ca.crt":             {StatusOK, false},
	}
	if len(rep.Certificates) != len(wants) {
		t.Fatalf("%d certificates, want %d", len(rep.Certificates), len(wants))
	}
	for _, c := range rep.Certificates {
		k := c.Object() + "/" + c.Key
		w, ok := wants[k]
		if !ok {
			t.Errorf("unexpected certificate %s", k)
			continue
		}
		if c.Status != w.status {
			t.Errorf("%s: status %s (%s), want %s", k, c.Status, c.Reason, w.status)
		}
		if parsed := c.cert != nil || c.ownCA != nil || c.intermediates != nil; parsed != w.parsed {
			t.Errorf("%s: parsed certificate kept %v, want %v", k, parsed, w.parsed)
		}
	}
}

func TestTrustRefMatchesOnlyBundlesTheCatalogueVerifiesWith(t *testing.T) {
	cat := Catalogue()
	for _, tc := range []struct {
		kind, name, ns, key string
		want                bool
	}{
		{KindConfigMap, "kubevirt-ca", "cnv", "ca-bundle", true},
		{KindConfigMap, "kubevirt-ca", "cnv", "other-key", false},
		{KindConfigMap, "openshift-service-ca.crt", "cnv", "service-ca.crt", true},
		{KindConfigMap, "random", "cnv", "ca.crt", false},
		{KindValidating, "virt-api-validator", "cnv", "", true},
		{KindValidating, "virt-api-validator-cnv", "cnv", "", true},
		{KindValidating, "virt-api-validator-other", "cnv", "", false},
		{KindMutating, "kubemacpool-mutator", "cnv", "", true},
		{KindAPIService, "v1beta1.upload.cdi.kubevirt.io", "cnv", "", true},
		{KindRoute, "cdi-uploadproxy", "cnv", "destinationCACertificate", true},
		{KindSecret, "kubevirt-ca", "cnv", "ca.crt", false},
	} {
		if got := trustRef(cat, tc.kind, tc.name, tc.ns, tc.key); got != tc.want {
			t.Errorf("trustRef(%s %s/%s key %q) = %v, want %v", tc.kind, tc.ns, tc.name, tc.key, got, tc.want)
		}
	}
}

// What a scan retains grows with the number of certificates only by their summaries: a few
// hundred bytes each, not the kilobytes of a parsed x509 certificate with its DER.
func TestScanRetainsLittlePerCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few thousand certificates")
	}
	const n = 2000
	now := time.Now()
	leaf := mkCert(t, "bench", false, nil, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	objs := make([]kruntime.Object, 0, n)
	for i := range n {
		objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%4), Name: fmt.Sprintf("tls-%05d", i)},
			Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": leaf.certPEM, "tls.key": leaf.keyPEM}})
	}
	s := &Scanner{Client: fake.NewSimpleClientset(objs...), WarnWithin: 30 * 24 * time.Hour}
	rep, err := s.Scan(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Certificates) != n {
		t.Fatalf("%d certificates, want %d", len(rep.Certificates), n)
	}
	// What the report holds is what is freed when it is dropped.
	with := heapInUse()
	runtime.KeepAlive(rep)
	rep = nil
	without := heapInUse()
	per := (int64(with) - int64(without)) / n
	t.Logf("the report retains %d bytes per certificate", per)
	// A summary is about 500 bytes; with its parsed x509 certificate and DER it was over 2 KB.
	const limit = 1000
	if per > limit {
		t.Errorf("the report retains %d bytes per certificate, want at most %d", per, limit)
	}
	runtime.KeepAlive(s)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Certificates expiring together are ordered by namespace, then object as printed
// (kind/name), then position in their value.
func TestSortCertificatesTies(t *testing.T) {
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(ns, kind, name string, idx int) Certificate {
		return Certificate{Namespace: ns, Kind: kind, Name: name, Index: idx, NotAfter: at}
	}
	cs := []Certificate{
		mk("b", KindSecret, "a", 0),
		mk("a", KindSecret, "tls-2", 0),
		mk("a", KindValidating, "hook", 0),
		mk("a", KindConfigMap, "z", 1),
		mk("a", KindSecret, "tls-10", 0),
		mk("a", KindConfigMap, "z", 0),
		mk("a", KindSecret, "tls-1", 0),
		{Namespace: "z", Kind: KindSecret, Name: "early", NotAfter: at.Add(-time.Hour)},
	}
	SortCertificates(cs)
	var got []string
	for _, c := range cs {
		got = append(got, fmt.Sprintf("%s %s[%d]", c.Namespace, c.Object(), c.Index))
	}
	want := []string{
		"z secret/early[0]",
		"a configmap/z[0]", "a configmap/z[1]",
		"a secret/tls-1[0]", "a secret/tls-10[0]", "a secret/tls-2[0]",
		"a validatingwebhookconfiguration/hook[0]",
		"b secret/a[0]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order\n%v\nwant\n%v", got, want)
	}
}
