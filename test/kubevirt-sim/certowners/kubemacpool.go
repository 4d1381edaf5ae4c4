package certowners

import (
	"context"
	"crypto/x509"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// kubemacpool's certificate manager (qinqon/kube-admission-webhook pkg/certificate, vendored by
// k8snetworkplumbingwg/kubemacpool): an Opaque CA Secret with ca.crt/ca.key, a kubernetes.io/tls
// Secret named after the webhook's service, both annotated kubevirt.io/kube-admission-webhook.
// It prepends each new CA to the webhook's caBundle (the current CA is the first one, since
// v0.15.0: triple.AddCertToPEM, getLastPrependedCACertFromCABundle at v0.21.1) and keeps the
// previous, unexpired ones for the overlap. It rotates a certificate at NotAfter - overlap (the
// CA overlap is HCO's caRenewBefore, the service one its serverRenewBefore:
// nextRotationDeadlineForCert) and at once when the chain check fails (CA Secret unreadable,
// first caBundle entry not the CA, serving certificate not verifying against the bundle). Its
// controller watches the CA Secret and the webhook configuration (controller.go), so deleting
// the CA Secret is enough: no restart is needed. Restarting its pods alone re-issues nothing.
const (
	kmpAnn       = "kubevirt.io/kube-admission-webhook"
	kmpCASecret  = "kubemacpool-mutator-ca"
	kmpService   = "kubemacpool-service"
	kmpCAKey     = "ca.crt"
	kmpCAPrivKey = "ca.key"
)

var kmpWebhook = webhookSpec{name: "kubemacpool-mutator", mutating: true, service: kmpService, path: "/mutate-virtualmachines"}

func (r *reconciler) kubemacpool(ctx context.Context, e *estate) error {
	if _, err := r.operatorRunning(ctx, e.ns, "cluster-network-addons-operator", map[string]string{"name": "cluster-network-addons-operator"}); err != nil {
		return err
	}
	if err := r.ensureWorkload(ctx, e.ns, "kubemacpool-mac-controller-manager", map[string]string{"app": "kubemacpool", "control-plane": "mac-controller-manager"}, false); err != nil {
		return err
	}
	// The certificate manager runs in its own Deployment; scaled to 0, nothing rotates.
	ok, err := r.operatorRunning(ctx, e.ns, "kubemacpool-cert-manager", map[string]string{"app": "kubemacpool", "control-plane": "cert-manager"})
	if err != nil || !ok {
		return err
	}
	// kubemacpool v0.50.0 config/release/kubemacpool.yaml: selector control-plane only, 443 ->
	// 8000, the manager's webhook-server port (not 8443).
	if _, err := r.ensureService(ctx, e.ns, kmpService, nil, map[string]string{"control-plane": "mac-controller-manager"}, nil, httpsPort("", 8000)); err != nil {
		return err
	}
	bundle, _, err := r.webhookCABundle(ctx, e, kmpWebhook)
	if err != nil {
		return err
	}
	caSecret, err := r.getSecret(ctx, e.ns, kmpCASecret)
	if err != nil {
		return err
	}
	svcSecret, err := r.getSecret(ctx, e.ns, kmpService)
	if err != nil {
		return err
	}
	ca, chainOK := kmpVerify(caSecret, svcSecret, bundle)
	now := time.Now()
	if !chainOK || now.After(ca.Cert.NotAfter.Add(-e.caRenew)) {
		// rotateAll: new CA prepended to the bundle, CA Secret, then the serving Secret.
		nca, err := r.is.newCA(kmpWebhook.name, e.caDuration)
		if err != nil {
			return err
		}
		bundle = mergeBundle(nca.Cert, bundle, e.caRenew, true)
		if err := r.putWebhook(ctx, e, kmpWebhook, bundle); err != nil {
			return err
		}
		keyPEM, err := encodeKey(nca.Key)
		if err != nil {
			return err
		}
		s := &corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{kmpCAKey: encodeCert(nca.Cert), kmpCAPrivKey: keyPEM}}
		s.Name, s.Namespace, s.Annotations = kmpCASecret, e.ns, map[string]string{kmpAnn: ""}
		if err := r.putSecret(ctx, caSecret, s); err != nil {
			return err
		}
		return r.kmpServing(ctx, e, svcSecret, nca)
	}
	// kmpVerify has loaded it already: the chain check passed.
	svc, _ := tlsPair(svcSecret)
	if now.After(svc.Cert.NotAfter.Add(-e.serverRenew)) {
		return r.kmpServing(ctx, e, svcSecret, ca)
	}
	return r.putWebhook(ctx, e, kmpWebhook, bundle)
}

// kmpVerify is the library's chain check.
func kmpVerify(caSecret, svcSecret *corev1.Secret, bundle []byte) (*keyPair, bool) {
	if caSecret == nil || svcSecret == nil {
		return nil, false
	}
	ca, err := loadPair(caSecret.Data[kmpCAKey], caSecret.Data[kmpCAPrivKey])
	if err != nil {
		return nil, false
	}
	certs, err := parseCerts(bundle)
	if err != nil || !certs[0].Equal(ca.Cert) {
		return nil, false
	}
	svc, err := tlsPair(svcSecret)
	if err != nil {
		return nil, false
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	if _, err := svc.Cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, false
	}
	return ca, true
}

func (r *reconciler) kmpServing(ctx context.Context, e *estate, old *corev1.Secret, ca *keyPair) error {
	hosts := []string{kmpService, kmpService + "." + e.ns, kmpService + "." + e.ns + ".svc"}
	kp, err := r.is.newLeaf(ca, kmpService+"."+e.ns+".pod.cluster.local", hosts, false, e.serverDur)
	if err != nil {
		return err
	}
	s, err := tlsSecret(e.ns, kmpService, kp)
	if err != nil {
		return err
	}
	s.Annotations = map[string]string{kmpAnn: ""}
	return r.putSecret(ctx, old, s)
}
