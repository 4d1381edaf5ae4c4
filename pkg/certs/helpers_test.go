package certs

import (
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/certgen"
)

// testPair keeps unexported field names so that this package's tests read like its code.
type testPair struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	keyPEM  []byte
}

// mkCert issues a test certificate with a random serial; parent nil means self-signed.
func mkCert(t testing.TB, cn string, isCA bool, parent *testPair, notBefore, notAfter time.Time) *testPair {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, DNSNames: []string{cn + ".svc"},
	}
	var signer *certgen.Pair
	if parent != nil {
		signer = &certgen.Pair{Cert: parent.cert, Key: parent.key}
	}
	p := certgen.Issue(t, tmpl, signer)
	return &testPair{cert: p.Cert, key: p.Key, certPEM: p.CertPEM, keyPEM: p.KeyPEM}
}
