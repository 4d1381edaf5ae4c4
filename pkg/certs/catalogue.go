package certs

import "strings"

// The component catalogue: which Secrets, bundles and workloads each certificate owner of
// OpenShift Virtualization keeps, how it can be made to re-issue, and where each fact comes
// from. Every entry was checked against the owner's source; the Source fields name the file.
// Secrets the catalogue does not know are still found and shown by a scan.

// Role is what a certificate is for.
type Role string

const (
	RoleCA      Role = "CA"
	RoleServing Role = "serving"
	RoleClient  Role = "client"
	RoleBundle  Role = "bundle"
)

// Kinds of objects that hold certificates or CA bundles.
const (
	KindSecret     = "Secret"
	KindConfigMap  = "ConfigMap"
	KindValidating = "ValidatingWebhookConfiguration"
	KindMutating   = "MutatingWebhookConfiguration"
	KindAPIService = "APIService"
	// KindRoute is OpenShift's Route; its spec.tls.destinationCACertificate is how the router
	// trusts a re-encrypting backend such as cdi-uploadproxy.
	KindRoute = "Route"
)

// Ref names an object (and data key) holding a CA bundle that clients verify a certificate with.
type Ref struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Key  string `json:"key,omitempty"`
}

// Mechanism is how an owner can be made to re-issue a certificate, gentlest first.
type Mechanism string

const (
	// MechDurationAnnotation: virt-operator re-issues a Secret whose kubevirt.io/duration differs
	// from the configured duration (certificationNeedsRotation).
	MechDurationAnnotation Mechanism = "duration-annotation"
	// MechNotAfterAnnotation: library-go re-issues a Secret whose
	// auth.openshift.io/certificate-not-after has passed; `oc adm ocp-certificates regenerate-*`
	// forces rotation this way.
	MechNotAfterAnnotation Mechanism = "not-after-annotation"
	// MechDeleteCASecret: kube-admission-webhook watches its CA Secret; once it is gone its chain
	// check fails and it rotates everything: the new CA is prepended to the webhook's caBundle
	// and the old ones are kept (triple.AddCertToPEM), so what the pods still serve stays
	// trusted until they reload the re-issued serving certificate. kubemacpool's
	// force-cert-rotation.sh removes the caBundle instead, which leaves the API server without
	// any CA for the webhook until the manager reacts: every call fails meanwhile.
	MechDeleteCASecret Mechanism = "delete-ca-secret"
	// MechDeleteSecret: the owner re-creates a missing Secret (service-ca, OLM, and the fallback
	// for the others).
	MechDeleteSecret Mechanism = "delete-secret"
)

// CertEntry is one Secret a component's owner keeps.
type CertEntry struct {
	Secret  string `json:"secret"`
	CertKey string `json:"certKey"`
	KeyKey  string `json:"keyKey"`
	Role    Role   `json:"role"`
	// TrustedBy are the bundles its clients verify it against; a CA must be in them, a leaf
	// must chain to them.
	TrustedBy []Ref `json:"trustedBy,omitempty"`
	// Optional entries exist only on some releases.
	Optional bool `json:"optional,omitempty"`
	// Service is the Service whose pods present this serving certificate, and whose DNS name
	// (<service>.<namespace>.svc) its clients dial: what certs check --served handshakes with.
	Service string `json:"service,omitempty"`
}

// Workload is a Deployment or DaemonSet of a component.
type Workload struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Reloads: the pods pick up new certificates by themselves; otherwise a rotation restarts them.
	Reloads bool `json:"reloads"`
	// ReloadsSince is the component version from which the pods reload; on older releases, and
	// when the version cannot be told, a rotation restarts them.
	ReloadsSince string `json:"reloadsSince,omitempty"`
}

// reloadsAt reports whether the workload's pods reload certificates at component version v.
func (w Workload) reloadsAt(v string) bool {
	return w.Reloads || atLeast(v, w.ReloadsSince)
}

// Component describes one certificate owner.
type Component struct {
	Name  string `json:"name"`
	Owner string `json:"owner"`
	// Operator is the Deployment whose presence means the component is installed and whose
	// replicas the recreate strategy scales; empty for cluster-wide owners.
	Operator string `json:"operator,omitempty"`
	// DetectBy are further Deployments whose presence means installed (any of them).
	DetectBy  []string    `json:"detectBy,omitempty"`
	Source    string      `json:"source"`
	Certs     []CertEntry `json:"certs"`
	Bundles   []Ref       `json:"bundles"`
	Workloads []Workload  `json:"workloads,omitempty"`
	// Mechanism is the gentle way; Fallback is used for what it did not re-issue in time.
	Mechanism Mechanism `json:"mechanism"`
	Fallback  Mechanism `json:"fallback,omitempty"`
	// Never lists Secrets a rotation must not touch.
	Never []string `json:"never,omitempty"`
	// Uses the separate --cdi-namespace when given.
	CDI bool `json:"-"`
}

func cm(name, key string) Ref        { return Ref{Kind: KindConfigMap, Name: name, Key: key} }
func vwh(name string) Ref            { return Ref{Kind: KindValidating, Name: name} }
func mwh(name string) Ref            { return Ref{Kind: KindMutating, Name: name} }
func apisvc(name string) Ref         { return Ref{Kind: KindAPIService, Name: name} }
func route(name string) Ref          { return Ref{Kind: KindRoute, Name: name, Key: "destinationCACertificate"} }
func optional(e CertEntry) CertEntry { e.Optional = true; return e }

// servedBy names the Service in front of the pods that present a serving certificate.
func servedBy(svc string, e CertEntry) CertEntry { e.Service = svc; return e }
func tls(secret string, role Role, trusted ...Ref) CertEntry {
	return CertEntry{Secret: secret, CertKey: "tls.crt", KeyKey: "tls.key", Role: role, TrustedBy: trusted}
}

// Component names.
const (
	CompKubeVirt    = "kubevirt"
	CompCDI         = "cdi"
	CompKubeMacPool = "kubemacpool"
	CompSSP         = "ssp"
	CompOLM         = "olm"
)

// cdiAPIWebhooks are the webhook configurations that call cdi-apiserver with its signer's bundle.
var cdiAPIWebhooks = []Ref{vwh("cdi-api-datavolume-validate"), vwh("cdi-api-validate"), vwh("cdi-api-dataimportcron-validate"),
	vwh("cdi-api-populator-validate"), vwh("objecttransfer-api-validate"), mwh("cdi-api-datavolume-mutate")}

// Catalogue returns the components, in the order a rotation handles them.
func Catalogue() []Component {
	kvCABundle, kvExportBundle := cm("kubevirt-ca", "ca-bundle"), cm("kubevirt-export-ca", "ca-bundle")
	return []Component{
		{
			Name:     CompKubeVirt,
			Owner:    "virt-operator",
			Operator: "virt-operator",
			Source:   "kubevirt/kubevirt v1.6.0-v1.8.0 pkg/virt-operator/resource/generate/components/secrets.go (names, managed-by label, kubevirt.io/duration, ca-bundle key, MergeCABundle overlap, NextRotationDeadline); pkg/virt-operator/resource/apply/core.go (createOrUpdateCertificateSecrets: every Secret but the CAs signed by kubevirt-ca; certificationNeedsRotation: missing, duration annotation differs, not signed by the current CA, past NotAfter-renewBefore); apply/routes.go (route virt-exportproxy, destinationCACertificate from the kubevirt-ca bundle); components/deployments.go NewApiServerService, NewExportProxyService and webhooks.go NewOperatorWebhookService (the Services in front of the serving pods, 443 to 8443 and to the port named webhooks)",
			Certs: []CertEntry{
				tls("kubevirt-ca", RoleCA, kvCABundle),
				tls("kubevirt-export-ca", RoleCA, kvExportBundle),
				optional(tls("kubevirt-backup-ca", RoleCA, cm("kubevirt-backup-ca", "ca-bundle"))), // v1.8+
				servedBy("kubevirt-operator-webhook", tls("kubevirt-operator-certs", RoleServing, kvCABundle, vwh("virt-operator-validator"))),
				servedBy("virt-api", tls("kubevirt-virt-api-certs", RoleServing, kvCABundle, vwh("virt-api-validator"), mwh("virt-api-mutator"), apisvc("v1.subresources.kubevirt.io"), apisvc("v1alpha3.subresources.kubevirt.io"))),
				tls("kubevirt-controller-certs", RoleServing, kvCABundle),
				tls("kubevirt-virt-handler-server-certs", RoleServing, kvCABundle),
				tls("kubevirt-virt-handler-certs", RoleClient, kvCABundle),
				// Signed by kubevirt-ca like every other non-CA Secret (apply/core.go
				// createOrUpdateCertificateSecrets); the router trusts it through the Route's
				// destinationCACertificate, which is the kubevirt-ca bundle (apply/routes.go). The
				// export CA signs only the export servers' certificates, which virt-controller
				// makes at run time.
				servedBy("virt-exportproxy", tls("kubevirt-exportproxy-certs", RoleServing, kvCABundle, route("virt-exportproxy"))),
				// Secrets of later releases (components/secrets.go at each version).
				optional(tls("kubevirt-synchronization-controller-certs", RoleClient, kvCABundle)),         // v1.6+
				optional(tls("kubevirt-synchronization-controller-server-certs", RoleServing, kvCABundle)), // v1.6+
				optional(tls("kubevirt-virt-handler-migration-client-certs", RoleClient, kvCABundle)),      // v1.7+
				optional(tls("kubevirt-virt-handler-vsock-client-certs", RoleClient, kvCABundle)),          // v1.7+
				optional(tls("kubevirt-virt-template-api-certs", RoleServing, kvCABundle)),                 // v1.8, with the template feature
				optional(tls("kubevirt-virt-template-webhook-certs", RoleServing, kvCABundle)),             // v1.8, with the template feature
				optional(tls("kubevirt-virt-template-controller-metrics-certs", RoleServing, kvCABundle)),  // v1.8, with the template feature
			},
			Bundles: []Ref{kvCABundle, kvExportBundle, cm("kubevirt-backup-ca", "ca-bundle"),
				vwh("virt-api-validator"), vwh("virt-operator-validator"), mwh("virt-api-mutator"), mwh("virt-launcher-pod-mutator"),
				apisvc("v1.subresources.kubevirt.io"), apisvc("v1alpha3.subresources.kubevirt.io"), route("virt-exportproxy")},
			// KubeVirt's components watch their certificate Secrets and reload them.
			Workloads: []Workload{{Kind: "Deployment", Name: "virt-api", Reloads: true}, {Kind: "Deployment", Name: "virt-controller", Reloads: true}, {Kind: "DaemonSet", Name: "virt-handler", Reloads: true}, {Kind: "Deployment", Name: "virt-exportproxy", Reloads: true}},
			Mechanism: MechDurationAnnotation,
			Fallback:  MechDeleteSecret,
		},
		{
			Name:     CompCDI,
			Owner:    "cdi-operator (openshift/library-go certrotation)",
			Operator: "cdi-operator",
			CDI:      true,
			Source:   "kubevirt/containerized-data-importer pkg/operator/resources/cert/factory.go (signers, <signer>-bundle, targets, 48h/24h and 24h/12h defaults); pkg/operator/controller/certrotation.go (library-go RotatedSigningCASecret/CABundleConfigMap/RotatedSelfSignedCertKeySecret, forced refresh via auth.openshift.io/certificate-not-after); pkg/operator/controller/cr-manager.go and resources/utils/common.go (the Secrets and bundles are created first with the labels cdi.kubevirt.io, app=containerized-data-importer, app.kubernetes.io/managed-by=cdi-operator); library-go certrotation/target.go (a target is re-issued when its own times are due or its issuer's name is no longer in the bundle, not when a new signer appears); pkg/operator/resources/cluster/apiserver.go (webhooks cdi-api-datavolume-validate, cdi-api-validate, cdi-api-dataimportcron-validate, cdi-api-populator-validate, objecttransfer-api-validate, cdi-api-datavolume-mutate, all with the apiserver signer bundle) at v1.59.0; pkg/operator/controller/route.go (route cdi-uploadproxy, destinationCACertificate from the uploadproxy signer bundle); pkg/operator/resources/namespaced/apiserver.go and uploadproxy.go (Services cdi-api and cdi-uploadproxy, 443 to 8443)",
			Certs: []CertEntry{
				tls("cdi-apiserver-signer", RoleCA, cm("cdi-apiserver-signer-bundle", "ca-bundle.crt")),
				tls("cdi-uploadproxy-signer", RoleCA, cm("cdi-uploadproxy-signer-bundle", "ca-bundle.crt")),
				tls("cdi-uploadserver-signer", RoleCA, cm("cdi-uploadserver-signer-bundle", "ca-bundle.crt")),
				tls("cdi-uploadserver-client-signer", RoleCA, cm("cdi-uploadserver-client-signer-bundle", "ca-bundle.crt")),
				servedBy("cdi-api", tls("cdi-apiserver-server-cert", RoleServing, append([]Ref{cm("cdi-apiserver-signer-bundle", "ca-bundle.crt"), apisvc("v1beta1.upload.cdi.kubevirt.io")}, cdiAPIWebhooks...)...)),
				servedBy("cdi-uploadproxy", tls("cdi-uploadproxy-server-cert", RoleServing, cm("cdi-uploadproxy-signer-bundle", "ca-bundle.crt"), route("cdi-uploadproxy"))),
				tls("cdi-uploadserver-client-cert", RoleClient, cm("cdi-uploadserver-client-signer-bundle", "ca-bundle.crt")),
			},
			Bundles: append([]Ref{cm("cdi-apiserver-signer-bundle", "ca-bundle.crt"), cm("cdi-uploadproxy-signer-bundle", "ca-bundle.crt"),
				cm("cdi-uploadserver-signer-bundle", "ca-bundle.crt"), cm("cdi-uploadserver-client-signer-bundle", "ca-bundle.crt"),
				apisvc("v1beta1.upload.cdi.kubevirt.io"), route("cdi-uploadproxy")}, cdiAPIWebhooks...),
			Workloads: []Workload{{Kind: "Deployment", Name: "cdi-apiserver", Reloads: true}, {Kind: "Deployment", Name: "cdi-deployment", Reloads: true}, {Kind: "Deployment", Name: "cdi-uploadproxy", Reloads: true}},
			Mechanism: MechNotAfterAnnotation,
			Fallback:  MechDeleteSecret,
			// The upload-token signing key: deleting it (as rotate-certs.sh does through
			// -l cdi.kubevirt.io) invalidates every upload token in flight.
			Never: []string{"cdi-api-signing-key"},
		},
		{
			Name:     CompKubeMacPool,
			Owner:    "kubemacpool cert-manager (kube-admission-webhook)",
			Operator: "kubemacpool-cert-manager",
			DetectBy: []string{"kubemacpool-mac-controller-manager"},
			Source:   "qinqon/kube-admission-webhook pkg/certificate/manager.go and secret.go (ca.crt/ca.key, kubevirt.io/kube-admission-webhook annotation, v0.21.1: rotation at NotAfter minus the overlap, at once on a failed chain check such as a missing CA Secret; since v0.15.0 the new CA is prepended to the caBundle, the old ones kept and the first entry checked; controller.go watches the webhook configuration and the CA and service Secrets); k8snetworkplumbingwg/kubemacpool hack force-cert-rotation.sh and pkg/names (kubemacpool-mutator, kubemacpool-service, kubemacpool-cert-manager)",
			Certs: []CertEntry{
				{Secret: "kubemacpool-mutator-ca", CertKey: "ca.crt", KeyKey: "ca.key", Role: RoleCA, TrustedBy: []Ref{mwh("kubemacpool-mutator")}},
				servedBy("kubemacpool-service", tls("kubemacpool-service", RoleServing, mwh("kubemacpool-mutator"))),
			},
			Bundles: []Ref{mwh("kubemacpool-mutator")},
			// No restart: kube-admission-webhook's controller watches its Secrets
			// (pkg/certificate/controller.go), so deleting the CA Secret makes its chain check
			// fail and it rotates at once; kubemacpool's force-cert-rotation.sh restarts the pods
			// too, which the watch made unnecessary.
			Workloads: []Workload{{Kind: "Deployment", Name: "kubemacpool-cert-manager", Reloads: true}, {Kind: "Deployment", Name: "kubemacpool-mac-controller-manager", Reloads: true}},
			Mechanism: MechDeleteCASecret,
			Fallback:  MechDeleteSecret,
		},
		{
			Name:     CompSSP,
			Owner:    "OpenShift service-ca",
			Operator: "ssp-operator",
			Source:   "OpenShift service-ca-operator (serving-cert-secret-name annotation; a deleted Secret is re-created); kubevirt/hyperconverged-cluster-operator tools/rotate-certs.sh (virt-template-validator-certs and its pods)",
			Certs: []CertEntry{
				servedBy("virt-template-validator", tls("virt-template-validator-certs", RoleServing, vwh("virt-template-validator"), cm("openshift-service-ca.crt", "service-ca.crt"))),
			},
			Bundles: []Ref{vwh("virt-template-validator")},
			// The validator watches its certificate files and reloads them (fsnotify,
			// internal/template-validator/filewatch) since ssp-operator v0.22.0; older ones
			// read them only at start.
			Workloads: []Workload{{Kind: "Deployment", Name: "virt-template-validator", ReloadsSince: "v0.22.0"}},
			Mechanism: MechDeleteSecret,
		},
		{
			Name:   CompOLM,
			Owner:  "OLM",
			Source: "operator-framework OLM: webhook and API service certificates <deployment>-service-cert, re-created when missing or invalid",
			Certs: []CertEntry{
				{Secret: "hco-webhook-service-cert", CertKey: "tls.crt", KeyKey: "tls.key", Role: RoleServing, Optional: true},
				{Secret: "ssp-operator-service-cert", CertKey: "tls.crt", KeyKey: "tls.key", Role: RoleServing, Optional: true},
				{Secret: "hostpath-provisioner-operator-service-cert", CertKey: "tls.crt", KeyKey: "tls.key", Role: RoleServing, Optional: true},
			},
			Mechanism: MechDeleteSecret,
		},
	}
}

// ComponentNames lists the catalogue's component names.
func ComponentNames() []string {
	var out []string
	for _, c := range Catalogue() {
		out = append(out, c.Name)
	}
	return out
}

// lookupSecret finds the catalogue entry of a Secret name.
func lookupSecret(cat []Component, name string) (*Component, *CertEntry) {
	for i := range cat {
		for j := range cat[i].Certs {
			if cat[i].Certs[j].Secret == name {
				return &cat[i], &cat[i].Certs[j]
			}
		}
	}
	return nil, nil
}

// matchesRef reports whether an object of kind/name in namespace ns is the catalogue's ref.
// Cluster-scoped webhook configurations of a non-default installation may carry the namespace
// as a suffix (the test simulator does this to keep estates apart).
func matchesRef(r Ref, kind, name, ns string) bool {
	if r.Kind != kind {
		return false
	}
	return name == r.Name || name == r.Name+"-"+ns
}

// shortOwner is the owner's name without the detail in parentheses, for sentences.
func (c Component) shortOwner() string { return shortOwner(c.Owner) }

func shortOwner(owner string) string {
	if i := strings.Index(owner, " ("); i > 0 {
		return owner[:i]
	}
	return owner
}
