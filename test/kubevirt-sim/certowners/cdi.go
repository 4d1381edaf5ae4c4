package certowners

import (
	"context"
	"crypto/x509"
	"encoding/pem"

	corev1 "k8s.io/api/core/v1"
)

// cdi-operator's workloads and webhook configurations. Its certificates (signer Secrets,
// "<signer>-bundle" ConfigMaps, target Secrets) and the webhooks' caBundle are written by
// hack/tools/cdi's cdi-certs with cdi-operator's own code (docs/simulator.md); what is left here
// is what needs no certificate code.
const (
	cdiBundleKey = "ca-bundle.crt"
	cdiAPIBundle = "cdi-apiserver-signer-bundle"
	// CDI's upload-token signing key: labelled cdi.kubevirt.io=keystore, not a certificate.
	cdiSigningKey = "cdi-api-signing-key"
)

// cdiLabels are CDI's common labels (pkg/operator/resources/utils/common.go, v1.59.0).
var cdiLabels = map[string]string{
	"cdi.kubevirt.io":              "",
	"app":                          "containerized-data-importer",
	"app.kubernetes.io/managed-by": "cdi-operator",
	"app.kubernetes.io/component":  "storage",
}

// cdiWebhooks are those of pkg/operator/resources/cluster/apiserver.go (v1.59.0); all carry the
// cdi-apiserver signer bundle.
var cdiWebhooks = []webhookSpec{
	{name: "cdi-api-datavolume-validate", service: "cdi-api", path: "/datavolume-validate"},
	{name: "cdi-api-validate", service: "cdi-api", path: "/cdi-validate"},
	{name: "cdi-api-dataimportcron-validate", service: "cdi-api", path: "/dataimportcron-validate"},
	{name: "cdi-api-populator-validate", service: "cdi-api", path: "/populator-validate"},
	{name: "objecttransfer-api-validate", service: "cdi-api", path: "/objecttransfer-validate"},
	{name: "cdi-api-datavolume-mutate", mutating: true, service: "cdi-api", path: "/datavolume-mutate"},
}

func (r *reconciler) cdi(ctx context.Context, e *estate) error {
	ok, err := r.operatorRunning(ctx, e.ns, "cdi-operator", map[string]string{"name": "cdi-operator", "operator.cdi.kubevirt.io": ""})
	if err != nil || !ok {
		return err
	}
	for _, name := range []string{"cdi-apiserver", "cdi-deployment", "cdi-uploadproxy"} {
		if err := r.ensureWorkload(ctx, e.ns, name, map[string]string{"cdi.kubevirt.io": name, "app": "containerized-data-importer"}, false); err != nil {
			return err
		}
	}
	// CDI v1.59.0 pkg/operator/resources/namespaced/apiserver.go createAPIServerService and
	// uploadproxy.go createUploadProxyService: the SDK's CreateService selects
	// cdi.kubevirt.io=<deployment> and labels the Service with that over CDI's common labels; one
	// unnamed port 443 -> 8443.
	for svc, workload := range map[string]string{"cdi-api": "cdi-apiserver", "cdi-uploadproxy": "cdi-uploadproxy"} {
		sel := map[string]string{"cdi.kubevirt.io": workload}
		labels := map[string]string{}
		for k, v := range cdiLabels {
			labels[k] = v
		}
		labels["cdi.kubevirt.io"] = workload
		if _, err := r.ensureService(ctx, e.ns, svc, labels, sel, nil, httpsPort("", 8443)); err != nil {
			return err
		}
	}
	if err := r.cdiSigningKey(ctx, e); err != nil {
		return err
	}
	// cdi-operator creates its webhook configurations with the bundle of the moment
	// (cluster/apiserver.go GetAPIServerCABundle); cdi-certs keeps it afterwards.
	bundle, err := r.configMapKey(ctx, e.ns, cdiAPIBundle, cdiBundleKey)
	if err != nil {
		return err
	}
	for _, w := range cdiWebhooks {
		if err := r.ensureWebhook(ctx, e, w, bundle); err != nil {
			return err
		}
	}
	return nil
}

// cdiSigningKey creates the upload-token key pair once; nothing here ever replaces it, because
// replacing it invalidates every upload token in flight.
func (r *reconciler) cdiSigningKey(ctx context.Context, e *estate) error {
	old, err := r.getSecret(ctx, e.ns, cdiSigningKey)
	if err != nil || old != nil {
		return err
	}
	key, err := r.is.newKey()
	if err != nil {
		return err
	}
	priv, err := encodeKey(key)
	if err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	s := &corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{
		"id_rsa":     priv,
		"id_rsa.pub": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}),
	}}
	s.Name, s.Namespace = cdiSigningKey, e.ns
	s.Labels = map[string]string{"cdi.kubevirt.io": "keystore"}
	return r.putSecret(ctx, nil, s)
}
