package certowners

import (
	"context"
	"fmt"
	"time"
)

// OpenShift's service-ca: a Service annotated service.beta.openshift.io/serving-cert-secret-name
// gets a kubernetes.io/tls Secret signed by the cluster's service CA (openshift-service-ca/
// signing-key), re-created when deleted or no longer signed by that CA; webhook configurations
// annotated service.beta.openshift.io/inject-cabundle get the CA as caBundle, and every namespace
// gets ConfigMap openshift-service-ca.crt (key service-ca.crt). SSP's template validator uses it.
const (
	svcCANamespace   = "openshift-service-ca"
	svcCASecret      = "signing-key"
	annServingSecret = "service.beta.openshift.io/serving-cert-secret-name"
	annOrigService   = "service.beta.openshift.io/originating-service-name"
	annOrigUID       = "service.beta.openshift.io/originating-service-uid"
	annExpiry        = "service.beta.openshift.io/expiry"
	sspValidator     = "virt-template-validator"
	sspCertSecret    = "virt-template-validator-certs"
	// The service CA lives 26 months and its serving certificates two years.
	svcCALifetime      = 790 * 24 * time.Hour
	svcServingLifetime = 730 * 24 * time.Hour
)

var sspWebhook = webhookSpec{name: sspValidator, service: sspValidator, path: "/virtualmachine-template-validate"}

func (r *reconciler) ssp(ctx context.Context, e *estate) error {
	ok, err := r.operatorRunning(ctx, e.ns, "ssp-operator", map[string]string{"name": "ssp-operator"})
	if err != nil || !ok {
		return err
	}
	labels := map[string]string{"kubevirt.io": sspValidator, "name": sspValidator}
	if err := r.ensureWorkload(ctx, e.ns, sspValidator, labels, false); err != nil {
		return err
	}
	// ssp-operator v0.24.1 (the release built on kubevirt.io/api v1.6.0)
	// internal/operands/template-validator/resources.go newService: port "webhook" 443 -> 8443,
	// selected by kubevirt.io alone. Later releases move the webhook to 9443.
	sel := map[string]string{"kubevirt.io": sspValidator}
	svc, err := r.ensureService(ctx, e.ns, sspValidator, sel, sel, map[string]string{annServingSecret: sspCertSecret}, httpsPort("webhook", 8443))
	if err != nil {
		return err
	}
	ca, err := r.serviceCA(ctx)
	if err != nil {
		return err
	}
	if err := r.putConfigMapKey(ctx, e.ns, "openshift-service-ca.crt", "service-ca.crt", nil, encodeCert(ca.Cert)); err != nil {
		return err
	}
	old, err := r.getSecret(ctx, e.ns, sspCertSecret)
	if err != nil {
		return err
	}
	valid := false
	if old != nil {
		if kp, err := tlsPair(old); err == nil && signedBy(kp.Cert, ca.Cert) && time.Now().Before(kp.Cert.NotAfter) {
			valid = true
		}
	}
	if !valid {
		hosts := []string{sspValidator + "." + e.ns + ".svc", sspValidator + "." + e.ns + ".svc.cluster.local"}
		kp, err := r.is.newLeaf(ca, hosts[0], hosts, false, svcServingLifetime)
		if err != nil {
			return err
		}
		// service-ca puts the CA after the leaf.
		s, err := tlsSecret(e.ns, sspCertSecret, kp, ca.Cert)
		if err != nil {
			return err
		}
		s.Annotations = map[string]string{annOrigService: sspValidator, annOrigUID: string(svc.UID), annExpiry: kp.Cert.NotAfter.UTC().Format(time.RFC3339)}
		if err := r.putSecret(ctx, old, s); err != nil {
			return err
		}
	}
	return r.putWebhook(ctx, e, sspWebhook, encodeCert(ca.Cert))
}

// serviceCA returns the cluster's service CA, creating it on first use.
func (r *reconciler) serviceCA(ctx context.Context) (*keyPair, error) {
	if err := r.ensureNamespace(ctx, svcCANamespace); err != nil {
		return nil, err
	}
	old, err := r.getSecret(ctx, svcCANamespace, svcCASecret)
	if err != nil {
		return nil, err
	}
	if old != nil {
		if kp, err := tlsPair(old); err == nil {
			return kp, nil
		}
	}
	kp, err := r.is.newCA(fmt.Sprintf("openshift-service-serving-signer@%d", time.Now().Unix()), svcCALifetime)
	if err != nil {
		return nil, err
	}
	s, err := tlsSecret(svcCANamespace, svcCASecret, kp)
	if err != nil {
		return nil, err
	}
	return kp, r.putSecret(ctx, old, s)
}
