package certs

import (
	"bytes"
	"crypto/x509"
	"sync"
	"testing"
	"time"
)

// Fuzz targets for what certs check reads from the cluster: CA bundles, certificate chains and
// keys, all of which come from objects any namespace admin (or a broken operator) can write.

type fuzzChain struct {
	ca, leaf       *x509.Certificate
	caPEM, leafPEM []byte
	leafKeyPEM     []byte
}

var (
	fuzzChainOnce sync.Once
	fuzzChainVal  fuzzChain
)

// chainForFuzz is one CA and one leaf it signed, made once: key generation would otherwise
// dominate every fuzz iteration.
func chainForFuzz(tb testing.TB) fuzzChain {
	fuzzChainOnce.Do(func() {
		now := time.Now()
		ca := mkCert(tb, "fuzz-ca", true, nil, now.Add(-time.Hour), now.Add(time.Hour))
		leaf := mkCert(tb, "fuzz-leaf", false, ca, now.Add(-time.Hour), now.Add(time.Hour))
		fuzzChainVal = fuzzChain{ca: ca.cert, leaf: leaf.cert, caPEM: ca.certPEM, leafPEM: leaf.certPEM, leafKeyPEM: leaf.keyPEM}
	})
	return fuzzChainVal
}

// noPEM turns fuzzed bytes into filler lines between real PEM blocks (comments, blank lines,
// CRs, junk): without the dashes that could open or close a block, and ending in a newline
// when not empty, since a PEM block only begins at the start of a line.
func noPEM(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("-"), nil)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}

// A bundle is real certificates with anything around them: every certificate comes back, in
// order, and filler never adds, drops or reorders one.
func FuzzParsePEMBundleKeepsEveryCertificate(f *testing.F) {
	f.Add([]byte(""), []byte("\n"), []byte("# trailing comment\n"), uint8(2))
	f.Add([]byte("subject=CN=x\r\n"), []byte("\r\n\r\n"), []byte(""), uint8(5))
	f.Add([]byte("\x00\xff"), []byte("junk"), []byte("\n\n"), uint8(1))
	f.Fuzz(func(t *testing.T, before, between, after []byte, n uint8) {
		ch := chainForFuzz(t)
		count := int(n%8) + 1
		var in bytes.Buffer
		in.Write(noPEM(before))
		var want []*x509.Certificate
		for i := 0; i < count; i++ {
			if i > 0 {
				in.Write(noPEM(between))
			}
			c, p := ch.ca, ch.caPEM
			if i%2 == 1 {
				c, p = ch.leaf, ch.leafPEM
			}
			in.Write(p)
			want = append(want, c)
		}
		in.Write(noPEM(after))
		got, err := ParsePEMBundle(in.Bytes())
		if err != nil {
			t.Fatalf("%d certificates with filler: %v", count, err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d certificates, want %d", len(got), len(want))
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Fatalf("certificate %d is %s, want %s", i, got[i].Subject.CommonName, want[i].Subject.CommonName)
			}
		}
	})
}

// Whatever a bundle holds, verifying its first certificate against the rest terminates without
// panicking, and a certificate always verifies against a bundle holding itself.
func FuzzVerifyArbitraryBundles(f *testing.F) {
	ch := chainForFuzz(f)
	f.Add(append(append([]byte{}, ch.leafPEM...), ch.caPEM...))
	f.Add(append(append([]byte{}, ch.caPEM...), ch.caPEM...))
	f.Add(ch.leafPEM)
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParsePEMBundle(data)
		if err != nil || len(certs) == 0 {
			return
		}
		_ = Verify(certs[0], certs[1:], certs)
		if err := Verify(certs[0], certs[:1], nil); err != nil {
			t.Fatalf("a certificate does not verify against itself: %v", err)
		}
	})
}

// A private key field is read only to compare it with its certificate: the real key matches
// whatever text surrounds it, and bytes that are not that key never match.
func FuzzKeyMatchesWithFiller(f *testing.F) {
	f.Add([]byte(""), []byte("\n"), false)
	f.Add([]byte("# key\n"), []byte(""), true)
	f.Add([]byte("\r\n"), []byte("\x00"), true)
	f.Fuzz(func(t *testing.T, before, after []byte, real bool) {
		ch := chainForFuzz(t)
		key := ch.leafKeyPEM
		if !real {
			// The CA certificate in place of a key: a common copy-paste mistake.
			key = ch.caPEM
		}
		in := append(append(append([]byte{}, noPEM(before)...), key...), noPEM(after)...)
		if got := KeyMatches(ch.leaf, in); got != real {
			t.Fatalf("KeyMatches = %t, want %t", got, real)
		}
		if KeyMatches(ch.ca, in) {
			t.Fatal("the leaf's key matched the CA certificate")
		}
	})
}
