package certowners

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// keyPair is a certificate with its private key, as an owner holds it in memory between
// reading a Secret and writing the next one.
type keyPair struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// issuer generates keys and certificates. Keys are ECDSA P-256 by default because the test
// machines are small and every e2e test builds its own estate of about twenty keys; --certs-rsa
// switches to RSA 2048 as the real owners use.
type issuer struct {
	rsa bool
}

func (is issuer) newKey() (crypto.Signer, error) {
	if is.rsa {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
}

// newCA makes a self-signed CA valid from a minute ago (clock skew between components) for d.
func (is issuer) newCA(cn string, d time.Duration) (*keyPair, error) {
	now := time.Now()
	return is.sign(&x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(d),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil)
}

// newLeaf makes a serving (client=false) or client certificate signed by ca for d.
func (is issuer) newLeaf(ca *keyPair, cn string, hosts []string, client bool, d time.Duration) (*keyPair, error) {
	now := time.Now()
	notAfter := now.Add(d)
	// A certificate never outlives its issuer in these owners.
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		NotBefore:   now.Add(-time.Minute),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return is.sign(tmpl, ca)
}

// sign gives tmpl a new key and a random serial and has ca sign it; a nil ca makes it
// self-signed.
func (is issuer) sign(tmpl *x509.Certificate, ca *keyPair) (*keyPair, error) {
	key, err := is.newKey()
	if err != nil {
		return nil, err
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, err
	}
	parent, parentKey := tmpl, key
	if ca != nil {
		parent, parentKey = ca.Cert, ca.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{Cert: c, Key: key}, nil
}

func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func encodeKey(k crypto.Signer) ([]byte, error) {
	switch key := k.(type) {
	case *rsa.PrivateKey:
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), nil
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
	}
	return nil, fmt.Errorf("unsupported key type %T", k)
}

// parseCerts returns every CERTIFICATE block of a PEM bundle.
func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate")
	}
	return out, nil
}

func parseKey(data []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("key is not a signer")
	}
	return s, nil
}

// loadPair reads a certificate and its key from PEM, checking that they belong together: an
// owner that cannot use its Secret treats it as missing and re-issues it.
func loadPair(certPEM, keyPEM []byte) (*keyPair, error) {
	certs, err := parseCerts(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(certs[0].PublicKey) {
		return nil, errors.New("key does not match certificate")
	}
	return &keyPair{Cert: certs[0], Key: key}, nil
}

// tlsPair loads the key pair of a kubernetes.io/tls Secret.
func tlsPair(s *corev1.Secret) (*keyPair, error) {
	return loadPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
}

// tlsSecret is the kubernetes.io/tls Secret ns/name holding kp, its certificate followed by
// chain (library-go and service-ca put the signer after the leaf).
func tlsSecret(ns, name string, kp *keyPair, chain ...*x509.Certificate) (*corev1.Secret, error) {
	keyPEM, err := encodeKey(kp.Key)
	if err != nil {
		return nil, err
	}
	crt := encodeCert(kp.Cert)
	for _, c := range chain {
		crt = append(crt, encodeCert(c)...)
	}
	s := &corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: keyPEM}}
	s.Name, s.Namespace = name, ns
	return s, nil
}

// signedBy reports whether c verifies against ca.
func signedBy(c, ca *x509.Certificate) bool {
	return c.CheckSignatureFrom(ca) == nil
}

// mergeBundle returns a PEM bundle with current plus every other certificate of old that has
// not expired, dropping those older than the overlap once current has been in place that long.
// newestFirst orders it as virt-operator and library-go do; kube-admission-webhook appends, so
// its current CA is last.
func mergeBundle(current *x509.Certificate, old []byte, overlap time.Duration, newestFirst bool) []byte {
	prev, _ := parseCerts(old)
	now := time.Now()
	var keep []*x509.Certificate
	overlapOver := current.NotBefore.Add(overlap).Before(now)
	for _, c := range prev {
		if c.Equal(current) || c.NotAfter.Before(now) || overlapOver {
			continue
		}
		keep = append(keep, c)
		if len(keep) >= 9 {
			break
		}
	}
	var out []byte
	if newestFirst {
		out = append(out, encodeCert(current)...)
	}
	for _, c := range keep {
		out = append(out, encodeCert(c)...)
	}
	if !newestFirst {
		out = append(out, encodeCert(current)...)
	}
	return out
}
