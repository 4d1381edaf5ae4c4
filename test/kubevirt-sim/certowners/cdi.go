package certowners

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// cdi-operator's certificates (kubevirt/containerized-data-importer pkg/operator/resources/cert/
// factory.go and pkg/operator/controller/certrotation.go, which drive openshift/library-go
// pkg/operator/certrotation): signer Secrets, "<signer>-bundle" ConfigMaps (key ca-bundle.crt)
// and target Secrets, all annotated auth.openshift.io/certificate-*; the operator records the
// configured lifetimes in operator.cdi.kubevirt.io/certConfig and, when they change, forces a
// re-issue by setting certificate-not-after to now. The Secrets and ConfigMaps are first created
// by the operator SDK's resource manager (pkg/operator/controller/cr-manager.go adds the
// definitions of cert/factory.go to its resources) with CDI's common labels
// (pkg/operator/resources/utils/common.go), and library-go then fills them in.
const (
	annNotAfter   = "auth.openshift.io/certificate-not-after"
	annNotBefore  = "auth.openshift.io/certificate-not-before"
	annIssuer     = "auth.openshift.io/certificate-issuer"
	annHostnames  = "auth.openshift.io/certificate-hostnames"
	annCertConfig = "operator.cdi.kubevirt.io/certConfig"
	cdiBundleKey  = "ca-bundle.crt"
	// CDI's upload-token signing key: labelled cdi.kubevirt.io=keystore, not a certificate.
	cdiSigningKey = "cdi-api-signing-key"
)

type cdiDef struct {
	signer, target, service, user string
}

var cdiDefs = []cdiDef{
	{signer: "cdi-apiserver-signer", target: "cdi-apiserver-server-cert", service: "cdi-api"},
	{signer: "cdi-uploadproxy-signer", target: "cdi-uploadproxy-server-cert", service: "cdi-uploadproxy"},
	{signer: "cdi-uploadserver-signer"},
	{signer: "cdi-uploadserver-client-signer", target: "cdi-uploadserver-client-cert", user: "client.upload-server.cdi.kubevirt.io"},
}

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
	// Refresh is counted from NotBefore in library-go; CDI converts renewBefore into it.
	signerCfg := certConfig{lifetime: e.caDuration, refresh: e.caDuration - e.caRenew}
	targetCfg := certConfig{lifetime: e.serverDur, refresh: e.serverDur - e.serverRenew}
	for _, d := range cdiDefs {
		ca, err := r.cdiSigner(ctx, e, d.signer, signerCfg)
		if err != nil {
			return err
		}
		old, err := r.configMapKey(ctx, e.ns, d.signer+"-bundle", cdiBundleKey)
		if err != nil {
			return err
		}
		// library-go keeps every CA of the bundle until it expires, newest first.
		bundle := mergeBundle(ca.Cert, old, 100*365*24*time.Hour, true)
		if err := r.putConfigMapKey(ctx, e.ns, d.signer+"-bundle", cdiBundleKey, cdiLabels, bundle); err != nil {
			return err
		}
		if d.target != "" {
			bundleCerts, _ := parseCerts(bundle)
			if err := r.cdiTarget(ctx, e, d, ca, bundleCerts, targetCfg); err != nil {
				return err
			}
		}
	}
	bundle, err := r.configMapKey(ctx, e.ns, "cdi-apiserver-signer-bundle", cdiBundleKey)
	if err != nil {
		return err
	}
	for _, w := range cdiWebhooks {
		if err := r.putWebhook(ctx, e, w, bundle); err != nil {
			return err
		}
	}
	return nil
}

type certConfig struct{ lifetime, refresh time.Duration }

func (c certConfig) annotation() string {
	b, _ := json.Marshal(map[string]string{"lifetime": c.lifetime.String(), "refresh": c.refresh.String()})
	return string(b)
}

// libraryGoDue reports whether library-go would re-issue: annotations missing or unparsable,
// certificate-not-after passed (what `oc adm ocp-certificates regenerate-*` and CDI's certConfig
// change set), the refresh period since certificate-not-before elapsed, or the last fifth of the
// validity reached.
func libraryGoDue(s *corev1.Secret, refresh time.Duration) bool {
	na, err1 := time.Parse(time.RFC3339, s.Annotations[annNotAfter])
	nb, err2 := time.Parse(time.RFC3339, s.Annotations[annNotBefore])
	if err1 != nil || err2 != nil {
		return true
	}
	now := time.Now()
	if now.After(na) || now.After(nb.Add(refresh)) || now.After(na.Add(-na.Sub(nb)/5)) {
		return true
	}
	return false
}

func (r *reconciler) cdiSigner(ctx context.Context, e *estate, name string, cfg certConfig) (*keyPair, error) {
	old, err := r.getSecret(ctx, e.ns, name)
	if err != nil {
		return nil, err
	}
	if old != nil && old.Annotations[annCertConfig] == cfg.annotation() && !libraryGoDue(old, cfg.refresh) {
		if kp, err := tlsPair(old); err == nil {
			return kp, nil
		}
	}
	// library-go names signers "<namespace>_<name>@<unix seconds>".
	kp, err := r.is.newCA(fmt.Sprintf("%s_%s@%d", e.ns, name, time.Now().Unix()), cfg.lifetime)
	if err != nil {
		return nil, err
	}
	return kp, r.cdiWrite(ctx, e, old, name, kp, kp.Cert.Subject.CommonName, nil, cfg)
}

// cdiTarget keeps a target while library-go would (pkg/operator/certrotation/target.go
// needNewTargetCertKeyPair): its times are not due and its issuer's name is still in the bundle.
// A new signer alone does not re-issue it: the old signer stays in the bundle until it expires.
func (r *reconciler) cdiTarget(ctx context.Context, e *estate, d cdiDef, ca *keyPair, bundle []*x509.Certificate, cfg certConfig) error {
	old, err := r.getSecret(ctx, e.ns, d.target)
	if err != nil {
		return err
	}
	var hosts []string
	if d.service != "" {
		hosts = []string{d.service, d.service + "." + e.ns, d.service + "." + e.ns + ".svc"}
	}
	if old != nil && old.Annotations[annCertConfig] == cfg.annotation() && !libraryGoDue(old, cfg.refresh) &&
		issuerInBundle(old.Annotations[annIssuer], bundle) &&
		(d.service == "" || old.Annotations[annHostnames] == strings.Join(hosts, ",")) {
		if _, err := tlsPair(old); err == nil {
			return nil
		}
	}
	cn := d.user
	client := d.service == ""
	if !client {
		cn = hosts[0]
	}
	kp, err := r.is.newLeaf(ca, cn, hosts, client, cfg.lifetime)
	if err != nil {
		return err
	}
	return r.cdiWrite(ctx, e, old, d.target, kp, ca.Cert.Subject.CommonName, ca, cfg, hosts...)
}

// cdiWrite stores a key pair the way library-go does; a target's tls.crt carries its signer
// after the leaf.
func (r *reconciler) cdiWrite(ctx context.Context, e *estate, old *corev1.Secret, name string, kp *keyPair, issuer string, ca *keyPair, cfg certConfig, hosts ...string) error {
	var chain []*x509.Certificate
	if ca != nil {
		chain = append(chain, ca.Cert)
	}
	s, err := tlsSecret(e.ns, name, kp, chain...)
	if err != nil {
		return err
	}
	s.Labels = cdiLabels
	s.Annotations = map[string]string{
		annNotAfter:   kp.Cert.NotAfter.UTC().Format(time.RFC3339),
		annNotBefore:  kp.Cert.NotBefore.UTC().Format(time.RFC3339),
		annIssuer:     issuer,
		annCertConfig: cfg.annotation(),
	}
	if len(hosts) > 0 {
		s.Annotations[annHostnames] = strings.Join(hosts, ",")
	}
	return r.putSecret(ctx, old, s)
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

// issuerInBundle: library-go compares the issuer annotation with the common names of the bundle's
// certificates, not signatures.
func issuerInBundle(issuer string, bundle []*x509.Certificate) bool {
	if issuer == "" {
		return false
	}
	for _, c := range bundle {
		if c.Subject.CommonName == issuer {
			return true
		}
	}
	return false
}
