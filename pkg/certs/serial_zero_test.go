package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/certgen"
)

// zeroSerialCA is a CA as kube-admission-webhook's triple.NewCA makes it (v0.21.1
// pkg/certificate/triple/cert.go): serial 0, the webhook's name as its common name.
func zeroSerialCA(t *testing.T, notBefore time.Time) *x509.Certificate {
	t.Helper()
	return certgen.Issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(0), Subject: pkix.Name{CommonName: "kubemacpool-mutator"},
		NotBefore: notBefore, NotAfter: notBefore.Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil).Cert
}

// Every CA kubemacpool's manager makes has serial 0 and one subject: a new one is told from the
// old by its bytes, in a rotation's wait and in a bundle's current entry.
func TestCAsWithSerialZeroAreToldApart(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	old, cur := zeroSerialCA(t, now.Add(-time.Hour)), zeroSerialCA(t, now)
	if serialHex(old) != "00" || serialHex(cur) != "00" {
		t.Fatalf("serials %q and %q, want 00 and 00", serialHex(old), serialHex(cur))
	}
	planned := Target{Secret: "kubemacpool-mutator-ca", Serial: serialHex(old), NotAfter: old.NotAfter, fingerprint: fingerprint(old)}
	if isReissued(planned, old) {
		t.Error("the CA planned over counts as re-issued")
	}
	if !isReissued(planned, cur) {
		t.Error("a new CA with the same serial does not count as re-issued")
	}

	cs := []Certificate{
		newCert("kubemacpool", KindSecret, "cnv", "kubemacpool-mutator-ca", "ca.crt", 0, cur, RoleCA),
		newCert("kubemacpool", KindMutating, "", "kubemacpool-mutator", "caBundle", 0, cur, RoleBundle),
		newCert("kubemacpool", KindMutating, "", "kubemacpool-mutator", "caBundle", 1, old, RoleBundle),
	}
	cs[1].Namespace, cs[2].Namespace = "cnv", "cnv"
	markBundleEntries(cs)
	if cs[1].BundleEntry != BundleCurrent || cs[2].BundleEntry != BundleSuperseded {
		t.Errorf("bundle entries: new CA %q, old CA %q; want %q and %q", cs[1].BundleEntry, cs[2].BundleEntry, BundleCurrent, BundleSuperseded)
	}
}
