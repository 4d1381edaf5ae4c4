package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"iter"
)

// maxBundleCerts bounds how many certificates one value may yield, so a hostile or corrupt
// object cannot make a scan allocate without limit.
const maxBundleCerts = 64

const pemCertMarker = "-----BEGIN CERTIFICATE-----"

// HasPEMCertificate reports whether data looks like it holds a PEM certificate, cheaply, before
// any parsing.
func HasPEMCertificate(data []byte) bool { return bytes.Contains(data, []byte(pemCertMarker)) }

// ParsePEMBundle returns the certificates of a PEM bundle in order. Blocks of other types (keys,
// parameters) are skipped; a CERTIFICATE block that does not parse is an error, because a
// bundle with a corrupt entry is worth reporting rather than silently shortening.
func ParsePEMBundle(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for b := range pemBlocks(data) {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return out, fmt.Errorf("certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
		if len(out) >= maxBundleCerts {
			break
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return out, nil
}

// ParsePrivateKeyPEM parses the first private key block of data (PKCS#1, SEC 1 or PKCS#8).
// Its result is only ever compared with a certificate's public key; nothing prints it.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	for b := range pemBlocks(data) {
		switch b.Type {
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			return x509.ParseECPrivateKey(b.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("unsupported private key type %T", k)
			}
			return s, nil
		}
	}
	return nil, errors.New("no PEM private key found")
}

// pemBlocks yields the PEM blocks of data in order; text around them is skipped, as pem.Decode
// skips it.
func pemBlocks(data []byte) iter.Seq[*pem.Block] {
	return func(yield func(*pem.Block) bool) {
		for rest := data; len(rest) > 0; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil || !yield(b) {
				return
			}
		}
	}
}

// KeyMatches reports whether keyPEM is the private key of cert. An unparsable key counts as
// not matching: a server could not use it either.
func KeyMatches(cert *x509.Certificate, keyPEM []byte) bool {
	k, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return false
	}
	pub, ok := k.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// Verify reports whether leaf chains to one of roots, possibly through intermediates. Only
// signatures are checked, not validity periods or key usages: validity is judged on its own
// (EXPIRED, NOT YET VALID), and the owners issue client and serving certificates from the same
// CAs. crypto/x509's Verify would fold those into one error.
func Verify(leaf *x509.Certificate, roots, intermediates []*x509.Certificate) error {
	if len(roots) == 0 {
		return errors.New("empty bundle")
	}
	cur := leaf
	for depth := 0; depth < 8; depth++ {
		for _, r := range roots {
			if cur.Equal(r) || cur.CheckSignatureFrom(r) == nil {
				return nil
			}
		}
		var next *x509.Certificate
		for _, i := range intermediates {
			if !i.Equal(cur) && cur.CheckSignatureFrom(i) == nil {
				next = i
				break
			}
		}
		if next == nil {
			break
		}
		cur = next
	}
	return errors.New("not signed by any certificate of the bundle")
}

// containsCert reports whether bundle holds c.
func containsCert(bundle []*x509.Certificate, c *x509.Certificate) bool {
	for _, b := range bundle {
		if b.Equal(c) {
			return true
		}
	}
	return false
}
