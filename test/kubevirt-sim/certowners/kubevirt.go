package certowners

import (
	"context"
	"fmt"
	"time"
)

// virt-operator's certificates (kubevirt/kubevirt pkg/virt-operator/resource/generate/components/
// secrets.go and resource/apply/certificates.go): kubernetes.io/tls Secrets labelled
// app.kubernetes.io/managed-by=virt-operator, annotated kubevirt.io/duration with the duration
// they were issued for, and same-named CA ConfigMaps holding key "ca-bundle".
const (
	kvManagedBy     = "app.kubernetes.io/managed-by"
	kvManagedByOp   = "virt-operator"
	kvDurationAnn   = "kubevirt.io/duration"
	kvCABundleKey   = "ca-bundle"
	kvCA            = "kubevirt-ca"
	kvExportCA      = "kubevirt-export-ca"
	kvPodDNSPattern = "%s.%s.pod.cluster.local"
)

type kvLeaf struct {
	secret, ca, service, cn string
	client                  bool
}

func kvLeaves() []kvLeaf {
	return []kvLeaf{
		{secret: "kubevirt-operator-certs", ca: kvCA, service: "virt-operator"},
		{secret: "kubevirt-virt-api-certs", ca: kvCA, service: "virt-api"},
		{secret: "kubevirt-controller-certs", ca: kvCA, service: "virt-controller"},
		{secret: "kubevirt-virt-handler-server-certs", ca: kvCA, service: "virt-handler", cn: "kubevirt.io:system:node:virt-handler"},
		{secret: "kubevirt-virt-handler-certs", ca: kvCA, cn: "kubevirt.io:system:client:virt-handler", client: true},
		// Signed by kubevirt-ca like every non-CA Secret (apply/core.go
		// createOrUpdateCertificateSecrets); the export CA signs only the export servers'
		// certificates, which virt-controller makes at run time.
		{secret: "kubevirt-exportproxy-certs", ca: kvCA, service: "virt-exportproxy"},
	}
}

var kvWebhooks = []webhookSpec{
	{name: "virt-api-validator", service: "virt-api", path: "/virtualmachines-validate-create"},
	{name: "virt-operator-validator", service: "kubevirt-operator-webhook", path: "/kubevirt-validate-delete"},
	{name: "virt-api-mutator", mutating: true, service: "virt-api", path: "/virtualmachines-mutate"},
}

func (r *reconciler) kubevirt(ctx context.Context, e *estate) error {
	ok, err := r.operatorRunning(ctx, e.ns, "virt-operator", map[string]string{"kubevirt.io": "virt-operator"})
	if err != nil || !ok {
		return err
	}
	for _, w := range []struct {
		name   string
		daemon bool
	}{{"virt-api", false}, {"virt-controller", false}, {"virt-exportproxy", false}, {"virt-handler", true}} {
		if err := r.ensureWorkload(ctx, e.ns, w.name, map[string]string{"kubevirt.io": w.name}, w.daemon); err != nil {
			return err
		}
	}
	if r.externalKubeVirt {
		// hack/tools/kubevirt's kubevirt-certs writes the Secrets, the CA ConfigMaps and the
		// webhooks' caBundle with virt-operator's own code and in its order (the bundle before
		// the certificates a new CA signs); what is left here is creating the webhook
		// configurations, with the bundle of the moment.
		return r.kvWebhooks(ctx, e, false)
	}
	cas := map[string]*keyPair{}
	for name, cn := range map[string]string{kvCA: "kubevirt.io", kvExportCA: "export.kubevirt.io"} {
		ca, err := r.kvEnsure(ctx, e, name, nil, func() (*keyPair, error) { return r.is.newCA(cn, e.caDuration) }, e.caDuration, e.caRenew)
		if err != nil {
			return err
		}
		cas[name] = ca
		// The bundle keeps the previous CA until the new one has existed for caRenewBefore, so
		// clients that still hold old certificates go on verifying (MergeCABundle).
		old, err := r.configMapKey(ctx, e.ns, name, kvCABundleKey)
		if err != nil {
			return err
		}
		bundle := mergeBundle(ca.Cert, old, e.caRenew, true)
		if err := r.putConfigMapKey(ctx, e.ns, name, kvCABundleKey, map[string]string{kvManagedBy: kvManagedByOp}, bundle); err != nil {
			return err
		}
	}
	for _, l := range kvLeaves() {
		ca := cas[l.ca]
		cn := l.cn
		if cn == "" {
			cn = fmt.Sprintf(kvPodDNSPattern, l.service, e.ns)
		}
		var hosts []string
		if l.service != "" {
			hosts = []string{l.service, l.service + "." + e.ns, l.service + "." + e.ns + ".svc", l.service + "." + e.ns + ".svc.cluster.local"}
		}
		if _, err := r.kvEnsure(ctx, e, l.secret, ca, func() (*keyPair, error) {
			return r.is.newLeaf(ca, cn, hosts, l.client, e.serverDur)
		}, e.serverDur, e.serverRenew); err != nil {
			return err
		}
	}
	return r.kvWebhooks(ctx, e, true)
}

// kvWebhooks puts the kubevirt-ca bundle into virt-operator's webhook configurations, as
// apply/admissionregistration.go does; nothing while the bundle does not exist yet. keep is
// false when kubevirt-certs keeps the bundle: missing configurations are then created with the
// bundle of the moment and existing ones are left to it.
func (r *reconciler) kvWebhooks(ctx context.Context, e *estate, keep bool) error {
	bundle, err := r.configMapKey(ctx, e.ns, kvCA, kvCABundleKey)
	if err != nil || len(bundle) == 0 {
		return err
	}
	for _, w := range kvWebhooks {
		if err := r.writeWebhook(ctx, e, w, bundle, keep); err != nil {
			return err
		}
	}
	return nil
}

// kvEnsure returns the key pair of a virt-operator Secret, re-issuing it as virt-operator does
// when it is missing or unreadable, when its kubevirt.io/duration differs from the configured
// duration, when it is not signed by the current CA, or once NotAfter-renewBefore has passed (for
// a leaf outliving its CA, half way through the CA's renewBefore).
func (r *reconciler) kvEnsure(ctx context.Context, e *estate, name string, ca *keyPair, issue func() (*keyPair, error), dur, renew time.Duration) (*keyPair, error) {
	old, err := r.getSecret(ctx, e.ns, name)
	if err != nil {
		return nil, err
	}
	if old != nil {
		kp, err := tlsPair(old)
		if err == nil && old.Annotations[kvDurationAnn] == dur.String() && (ca == nil || signedBy(kp.Cert, ca.Cert)) {
			deadline := kp.Cert.NotAfter.Add(-renew)
			if ca != nil && ca.Cert.NotAfter.Before(kp.Cert.NotAfter) {
				deadline = ca.Cert.NotAfter.Add(-e.caRenew / 2)
			}
			if time.Now().Before(deadline) {
				return kp, nil
			}
		}
	}
	kp, err := issue()
	if err != nil {
		return nil, err
	}
	s, err := tlsSecret(e.ns, name, kp)
	if err != nil {
		return nil, err
	}
	s.Labels = map[string]string{kvManagedBy: kvManagedByOp}
	s.Annotations = map[string]string{kvDurationAnn: dur.String()}
	if err := r.putSecret(ctx, old, s); err != nil {
		return nil, err
	}
	return kp, nil
}
