package certs

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"
)

func TestParsePEMBundleSkipsKeysAndKeepsOrder(t *testing.T) {
	now := time.Now()
	a := mkCert(t, "a", true, nil, now.Add(-time.Hour), now.Add(time.Hour))
	b := mkCert(t, "b", true, nil, now.Add(-time.Hour), now.Add(time.Hour))
	data := bytes.Join([][]byte{a.keyPEM, a.certPEM, []byte("junk between blocks\n"), b.certPEM}, nil)
	certs, err := ParsePEMBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || certs[0].Subject.CommonName != "a" || certs[1].Subject.CommonName != "b" {
		t.Fatalf("got %d certs", len(certs))
	}
	if _, err := ParsePEMBundle(a.keyPEM); err == nil {
		t.Fatal("a bundle with only a key parsed as certificates")
	}
	corrupt := bytes.Replace(b.certPEM, []byte("MII"), []byte("AAA"), 1)
	if _, err := ParsePEMBundle(corrupt); err == nil {
		t.Fatal("a corrupt certificate block was accepted")
	}
}

func TestKeyMatches(t *testing.T) {
	now := time.Now()
	a := mkCert(t, "a", false, nil, now.Add(-time.Hour), now.Add(time.Hour))
	b := mkCert(t, "b", false, nil, now.Add(-time.Hour), now.Add(time.Hour))
	if !KeyMatches(a.cert, a.keyPEM) {
		t.Error("own key does not match")
	}
	if KeyMatches(a.cert, b.keyPEM) {
		t.Error("foreign key matches")
	}
	if KeyMatches(a.cert, []byte("not a key")) {
		t.Error("garbage matches")
	}
}

func TestVerifyIgnoresValidityButNotChain(t *testing.T) {
	now := time.Now()
	ca := mkCert(t, "ca", true, nil, now.Add(-time.Hour), now.Add(time.Hour))
	other := mkCert(t, "other", true, nil, now.Add(-time.Hour), now.Add(time.Hour))
	expiredLeaf := mkCert(t, "leaf", false, ca, now.Add(-3*time.Hour), now.Add(-2*time.Hour))
	if err := Verify(expiredLeaf.cert, []*x509.Certificate{ca.cert}, nil); err != nil {
		t.Errorf("chain of an expired leaf rejected: %v", err)
	}
	if err := Verify(expiredLeaf.cert, []*x509.Certificate{other.cert}, nil); err == nil {
		t.Error("leaf verified against a foreign CA")
	}
}

func FuzzParsePEMBundle(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParsePEMBundle(data)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificates")
		}
		if len(certs) > maxBundleCerts {
			t.Fatalf("%d certificates exceed the bound", len(certs))
		}
	})
}

func FuzzKeyMatches(f *testing.F) {
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		now := time.Now()
		// A fixed certificate; the fuzzer varies the key, which must never panic or match.
		if KeyMatches(fuzzCert(t, now), data) {
			t.Fatal("random key matched")
		}
	})
}

var fuzzPair *testPair

func fuzzCert(t *testing.T, now time.Time) *x509.Certificate {
	if fuzzPair == nil {
		fuzzPair = mkCert(t, "fuzz", false, nil, now.Add(-time.Hour), now.Add(time.Hour))
	}
	return fuzzPair.cert
}
