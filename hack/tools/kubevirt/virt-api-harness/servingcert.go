package main

import (
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"

	"kubevirt.io/kubevirt/pkg/certificates/bootstrap"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

var loopback = net.IPv4(127, 0, 0, 1)

// loopbackServing returns the certificate and key virt-api serves on the local cluster, made
// from the Secret kubevirt-virt-api-certs that virt-operator's code wrote.
//
// Upstream's certificate names virt-api's Service (virt-api.<ns>.svc and the like), which is
// what the API server checks when it calls a webhook by Service. Here it calls
// https://127.0.0.1:PORT, and for a URL the API server checks the URL's host, so the
// certificate must also name 127.0.0.1. So the certificate is the Secret's own one (its key,
// serial, subject, names, usages and validity) re-signed by the CA that signed it, with
// 127.0.0.1 added to its IP addresses. That CA is looked up among cas (the kubevirt-ca
// certificates seen so far); one the harness never saw is an error, and virt-operator's code
// re-issues such a leaf with the current CA soon (NextRotationDeadline). A certificate that
// names 127.0.0.1 already is served as it is.
func loopbackServing(s *corev1.Secret, cas []*tls.Certificate) (certPEM, keyPEM []byte, err error) {
	crt, err := components.LoadCertificates(s)
	if err != nil {
		return nil, nil, err
	}
	leaf := crt.Leaf
	keyPEM = s.Data[bootstrap.KeyBytesValue]
	for _, ip := range leaf.IPAddresses {
		if ip.Equal(loopback) {
			return s.Data[bootstrap.CertBytesValue], keyPEM, nil
		}
	}
	var issuer *tls.Certificate
	for _, ca := range cas {
		if ca != nil && ca.Leaf != nil && leaf.CheckSignatureFrom(ca.Leaf) == nil {
			issuer = ca
			break
		}
	}
	if issuer == nil {
		return nil, nil, fmt.Errorf("%s/%s is signed by %q, not by a kubevirt-ca seen so far", s.Namespace, s.Name, leaf.Issuer.CommonName)
	}
	signer, ok := issuer.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("the key of kubevirt-ca cannot sign")
	}
	tmpl := *leaf
	tmpl.IPAddresses = append(append([]net.IP{}, leaf.IPAddresses...), loopback)
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, issuer.Leaf, leaf.PublicKey, signer)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM, nil
}
