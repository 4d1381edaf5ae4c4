package certs

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
	// MechRemoveCABundle: kube-admission-webhook rotates everything when its chain check fails;
	// kubemacpool's force-cert-rotation.sh removes the webhook caBundle and restarts the pods.
	MechRemoveCABundle Mechanism = "remove-cabundle"
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
}

// Workload is a Deployment or DaemonSet of a component.
type Workload struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Reloads: the pods pick up new certificates by themselves; otherwise a rotation restarts them.
	Reloads bool `json:"reloads"`
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

func cm(name, key string) Ref { return Ref{Kind: KindConfigMap, Name: name, Key: key} }
func vwh(name string) Ref     { return Ref{Kind: KindValidating, Name: name} }
func mwh(name string) Ref     { return Ref{Kind: KindMutating, Name: name} }
func apisvc(name string) Ref  { return Ref{Kind: KindAPIService, Name: name} }
func route(name string) Ref   { return Ref{Kind: KindRoute, Name: name, Key: "destinationCACertificate"} }
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

// Catalogue returns the components, in the order a rotation handles them.
func Catalogue() []Component {
	kvCABundle, kvExportBundle := cm("kubevirt-ca", "ca-bundle"), cm("kubevirt-export-ca", "ca-bundle")
	return []Component{
		{
			Name:     CompKubeVirt,
			Owner:    "virt-operator",
			Operator: "virt-operator",
			Source:   "kubevirt/kubevirt pkg/virt-operator/resource/generate/components/secrets.go (names, managed-by label, kubevirt.io/duration, ca-bundle key, MergeCABundle overlap); pkg/virt-operator/resource/apply/certificates.go (certificationNeedsRotation: missing, duration annotation differs, not signed by the current CA, past NotAfter-renewBefore)",
			Certs: []CertEntry{
				tls("kubevirt-ca", RoleCA, kvCABundle),
				tls("kubevirt-export-ca", RoleCA, kvExportBundle),
				func() CertEntry {
					e := tls("kubevirt-backup-ca", RoleCA, cm("kubevirt-backup-ca", "ca-bundle"))
					e.Optional = true
					return e
				}(),
				tls("kubevirt-operator-certs", RoleServing, kvCABundle, vwh("virt-operator-validator")),
				tls("kubevirt-virt-api-certs", RoleServing, kvCABundle, vwh("virt-api-validator"), mwh("virt-api-mutator"), apisvc("v1.subresources.kubevirt.io"), apisvc("v1alpha3.subresources.kubevirt.io")),
				tls("kubevirt-controller-certs", RoleServing, kvCABundle),
				tls("kubevirt-virt-handler-server-certs", RoleServing, kvCABundle),
				tls("kubevirt-virt-handler-certs", RoleClient, kvCABundle),
				tls("kubevirt-exportproxy-certs", RoleServing, kvExportBundle),
			},
			Bundles: []Ref{kvCABundle, kvExportBundle, cm("kubevirt-backup-ca", "ca-bundle"),
				vwh("virt-api-validator"), vwh("virt-operator-validator"), mwh("virt-api-mutator"), mwh("virt-launcher-pod-mutator"),
				apisvc("v1.subresources.kubevirt.io"), apisvc("v1alpha3.subresources.kubevirt.io")},
			// KubeVirt's components watch their certificate Secrets and reload them.
			Workloads: []Workload{{"Deployment", "virt-api", true}, {"Deployment", "virt-controller", true}, {"DaemonSet", "virt-handler", true}, {"Deployment", "virt-exportproxy", true}},
			Mechanism: MechDurationAnnotation,
			Fallback:  MechDeleteSecret,
		},
		{
			Name:     CompCDI,
			Owner:    "cdi-operator (openshift/library-go certrotation)",
			Operator: "cdi-operator",
			CDI:      true,
			Source:   "kubevirt/containerized-data-importer pkg/operator/resources/cert/factory.go (signers, <signer>-bundle, targets, 48h/24h and 24h/12h defaults); pkg/operator/controller/certrotation.go (library-go RotatedSigningCASecret/CABundleConfigMap/RotatedSelfSignedCertKeySecret, forced refresh via auth.openshift.io/certificate-not-after, Secrets created without labels); pkg/operator/controller/route.go (route cdi-uploadproxy, destinationCACertificate from the uploadproxy signer bundle)",
			Certs: []CertEntry{
				tls("cdi-apiserver-signer", RoleCA, cm("cdi-apiserver-signer-bundle", "ca-bundle.crt")),
				tls("cdi-uploadproxy-signer", RoleCA, cm("cdi-uploadproxy-signer-bundle", "ca-bundle.crt")),
				tls("cdi-uploadserver-signer", RoleCA, cm("cdi-uploadserver-signer-bundle", "ca-bundle.crt")),
				tls("cdi-uploadserver-client-signer", RoleCA, cm("cdi-uploadserver-client-signer-bundle", "ca-bundle.crt")),
				tls("cdi-apiserver-server-cert", RoleServing, cm("cdi-apiserver-signer-bundle", "ca-bundle.crt"), vwh("cdi-api-datavolume-validate"), mwh("cdi-api-datavolume-mutate"), apisvc("v1beta1.upload.cdi.kubevirt.io")),
				tls("cdi-uploadproxy-server-cert", RoleServing, cm("cdi-uploadproxy-signer-bundle", "ca-bundle.crt"), route("cdi-uploadproxy")),
				tls("cdi-uploadserver-client-cert", RoleClient, cm("cdi-uploadserver-client-signer-bundle", "ca-bundle.crt")),
			},
			Bundles: []Ref{cm("cdi-apiserver-signer-bundle", "ca-bundle.crt"), cm("cdi-uploadproxy-signer-bundle", "ca-bundle.crt"),
				cm("cdi-uploadserver-signer-bundle", "ca-bundle.crt"), cm("cdi-uploadserver-client-signer-bundle", "ca-bundle.crt"),
				vwh("cdi-api-datavolume-validate"), mwh("cdi-api-datavolume-mutate"), apisvc("v1beta1.upload.cdi.kubevirt.io"), route("cdi-uploadproxy")},
			Workloads: []Workload{{"Deployment", "cdi-apiserver", true}, {"Deployment", "cdi-deployment", true}, {"Deployment", "cdi-uploadproxy", true}},
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
			Source:   "qinqon/kube-admission-webhook pkg/certificate/manager.go and secret.go (ca.crt/ca.key, kubevirt.io/kube-admission-webhook annotation, rotation at 70-90% of lifetime or on a failed chain check, current CA last in caBundle); k8snetworkplumbingwg/kubemacpool hack force-cert-rotation.sh and pkg/names (kubemacpool-mutator, kubemacpool-service, kubemacpool-cert-manager)",
			Certs: []CertEntry{
				{Secret: "kubemacpool-mutator-ca", CertKey: "ca.crt", KeyKey: "ca.key", Role: RoleCA, TrustedBy: []Ref{mwh("kubemacpool-mutator")}},
				tls("kubemacpool-service", RoleServing, mwh("kubemacpool-mutator")),
			},
			Bundles: []Ref{mwh("kubemacpool-mutator")},
			// The certificate manager computes its next deadline at start; it needs a restart
			// to notice the forced chain failure, as force-cert-rotation.sh does.
			Workloads: []Workload{{"Deployment", "kubemacpool-cert-manager", false}, {"Deployment", "kubemacpool-mac-controller-manager", true}},
			Mechanism: MechRemoveCABundle,
			Fallback:  MechDeleteSecret,
		},
		{
			Name:     CompSSP,
			Owner:    "OpenShift service-ca",
			Operator: "ssp-operator",
			Source:   "OpenShift service-ca-operator (serving-cert-secret-name annotation; a deleted Secret is re-created); kubevirt/hyperconverged-cluster-operator tools/rotate-certs.sh (virt-template-validator-certs and its pods)",
			Certs: []CertEntry{
				tls("virt-template-validator-certs", RoleServing, vwh("virt-template-validator"), cm("openshift-service-ca.crt", "service-ca.crt")),
			},
			Bundles:   []Ref{vwh("virt-template-validator")},
			Workloads: []Workload{{"Deployment", "virt-template-validator", false}},
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
