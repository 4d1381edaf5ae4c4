package certs

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"
)

// Status is the verdict on one certificate.
type Status string

const (
	StatusOK          Status = "OK"
	StatusExpiring    Status = "EXPIRING"
	StatusExpired     Status = "EXPIRED"
	StatusNotYetValid Status = "NOT YET VALID"
	StatusUntrusted   Status = "UNTRUSTED"
	StatusKeyMismatch Status = "KEY MISMATCH"
)

// IsProblem reports whether s always fails a check, whatever --fail-within says.
func (s Status) IsProblem() bool {
	return s == StatusExpired || s == StatusUntrusted || s == StatusKeyMismatch || s == StatusNotYetValid ||
		s == StatusServingStale || s == StatusServingUntrusted
}

// Certificate is one certificate found in the cluster. It never holds key material.
type Certificate struct {
	Component string `json:"component"`
	Namespace string `json:"namespace,omitempty"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Key       string `json:"key,omitempty"`
	Index     int    `json:"index"`
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	Role      Role   `json:"role"`
	Serial    string `json:"serial"`
	// Fingerprint is the SHA-256 of the certificate's DER: what tells two certificates apart
	// where serials do not (kube-admission-webhook gives every CA it makes serial 0).
	Fingerprint string    `json:"fingerprint"`
	SANs        []string  `json:"sans,omitempty"`
	NotBefore   time.Time `json:"notBefore"`
	NotAfter    time.Time `json:"notAfter"`
	Status      Status    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	// Within is the window an EXPIRING certificate expires in: --fail-within when it trips
	// that, else --warn-within (e.g. "2d").
	Within string `json:"within,omitempty"`
	// Fails: this certificate makes `certs check` exit 7 (a problem status, or EXPIRING
	// within --fail-within).
	Fails bool `json:"fails,omitempty"`
	// BundleEntry is, for a certificate in a CA bundle, "current" (the CA that signs now) or
	// "superseded" (an older CA its owner keeps so that what it signed stays trusted for an
	// overlap).
	BundleEntry string `json:"bundleEntry,omitempty"`

	cert          *x509.Certificate
	intermediates []*x509.Certificate
	keyMismatch   bool
	trustedBy     []Ref
	// ownCA is a ca.crt next to the leaf in an unknown Secret (cert-manager's layout).
	ownCA []*x509.Certificate
	// owner says who can re-issue the certificate, for advice.
	owner ownerInfo
}

// Object renders kind/name the way kubectl does.
func (c *Certificate) Object() string {
	return strings.ToLower(c.Kind) + "/" + c.Name
}

// CertConfig is HCO's spec.certConfig, when an HCO is found.
type CertConfig struct {
	CADuration           string `json:"caDuration,omitempty"`
	CARenewBefore        string `json:"caRenewBefore,omitempty"`
	ServerDuration       string `json:"serverDuration,omitempty"`
	ServerRenewBefore    string `json:"serverRenewBefore,omitempty"`
	HyperConvergedName   string `json:"hyperConverged"`
	HyperConvergedNSpace string `json:"namespace"`
}

// Report is the result of a scan.
type Report struct {
	Namespaces    []string      `json:"namespaces"`
	AllNamespaces bool          `json:"allNamespaces,omitempty"`
	Certificates  []Certificate `json:"certificates"`
	CertConfig    *CertConfig   `json:"certConfig,omitempty"`
	Warnings      []string      `json:"warnings,omitempty"`
}

// Scanner finds certificates. Lists are paged (PageSize objects at a time) and only a small
// summary of each certificate, never whole objects, raw PEM or parsed x509 certificates, is
// kept, so memory is bounded by the page size plus a few hundred bytes per certificate. The
// exceptions are the few whose trust can only be judged once every CA bundle has been read:
// catalogue certificates (and one failing its own ca.crt), and the bundles the catalogue
// verifies against.
type Scanner struct {
	Client   kubernetes.Interface
	Dynamic  dynamic.Interface // optional: APIServices and HCO's certConfig
	PageSize int64
	Now      func() time.Time
	// WarnWithin makes a certificate EXPIRING when it expires sooner than this.
	WarnWithin time.Duration
	// FailWithin makes a certificate EXPIRING and failing when it expires sooner than this,
	// whatever its lifetime; 0: never.
	FailWithin time.Duration
	// Progress, when set, is told what is being listed.
	Progress func(msg string)
	// Served, when set, also checks what the pods behind each serving certificate's Service
	// present (certs check --served).
	Served *ServedOptions
}

var (
	gvrAPIService = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}
	gvrHCO        = schema.GroupVersionResource{Group: "hco.kubevirt.io", Version: "v1beta1", Resource: "hyperconvergeds"}
	gvrRoute      = schema.GroupVersionResource{Group: "route.openshift.io", Version: "v1", Resource: "routes"}
)

func (s *Scanner) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scanner) pageSize() int64 {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return 250
}

func (s *Scanner) progress(format string, a ...any) {
	if s.Progress != nil {
		s.Progress(fmt.Sprintf(format, a...))
	}
}

// Scan lists the Secrets and ConfigMaps of namespaces (all of them when namespaces is empty)
// and the webhook configurations and APIServices whose service lives there, and classifies
// every certificate.
func (s *Scanner) Scan(ctx context.Context, namespaces []string) (*Report, error) {
	rep := &Report{Namespaces: namespaces, AllNamespaces: len(namespaces) == 0}
	cat := Catalogue()
	inScope := func(ns string) bool {
		if rep.AllNamespaces {
			return true
		}
		for _, n := range namespaces {
			if n == ns {
				return true
			}
		}
		return false
	}
	bundles := bundleIndex{}
	listNS := namespaces
	if rep.AllNamespaces {
		listNS = []string{metav1.NamespaceAll}
	}
	for _, ns := range listNS {
		if err := s.scanSecrets(ctx, ns, cat, rep, bundles); err != nil {
			return nil, err
		}
		if err := s.scanConfigMaps(ctx, ns, cat, rep, bundles); err != nil {
			return nil, err
		}
	}
	if err := s.scanWebhooks(ctx, inScope, cat, rep, bundles); err != nil {
		return nil, err
	}
	s.scanAPIServices(ctx, inScope, cat, rep, bundles)
	for _, ns := range listNS {
		s.scanRoutes(ctx, ns, cat, rep, bundles)
	}
	s.readCertConfig(ctx, namespaces, rep)

	now := s.now()
	for i := range rep.Certificates {
		classify(&rep.Certificates[i], bundles, now, s.WarnWithin)
	}
	if s.Served != nil && s.Served.Dialer != nil {
		s.checkServed(ctx, cat, rep, bundles)
	}
	for i := range rep.Certificates {
		s.markWithin(&rep.Certificates[i], now)
	}
	markBundleEntries(rep.Certificates)
	SortCertificates(rep.Certificates)
	return rep, nil
}

// markWithin records which window an EXPIRING certificate is in and whether it fails the
// check, so the table marks exactly the rows the exit status counts.
func (s *Scanner) markWithin(c *Certificate, now time.Time) {
	if c.Status.IsProblem() {
		c.Fails = true
		return
	}
	if s.FailWithin > 0 && c.NotAfter.Sub(now) < s.FailWithin {
		c.Status, c.Within, c.Fails = StatusExpiring, FormatWindow(s.FailWithin), true
		return
	}
	if c.Status == StatusExpiring {
		c.Within = FormatWindow(s.WarnWithin)
	}
}

// SortCertificates orders soonest expiry first, then by object for a stable output.
func SortCertificates(cs []Certificate) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := &cs[i], &cs[j]
		if !a.NotAfter.Equal(b.NotAfter) {
			return a.NotAfter.Before(b.NotAfter)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		// One certificate found in several places (a CA, its bundles) stays together, the
		// Secret that holds its key first.
		if a.Serial != b.Serial {
			return a.Serial < b.Serial
		}
		if a.Fingerprint != b.Fingerprint {
			return a.Fingerprint < b.Fingerprint
		}
		if (a.Role == RoleBundle) != (b.Role == RoleBundle) {
			return b.Role == RoleBundle
		}
		// Objects of one kind compare as their names do; only different kinds need Object(),
		// which allocates: a sort of thousands of Secrets would otherwise build strings in
		// every comparison.
		if a.Kind == b.Kind {
			if a.Name != b.Name {
				return a.Name < b.Name
			}
		} else if oa, ob := a.Object(), b.Object(); oa != ob {
			return oa < ob
		}
		return a.Index < b.Index
	})
}

// bundleIndex holds the parsed CA bundles that certificates are verified against, by
// namespace/kind/name(/key).
type bundleIndex map[string][][]*x509.Certificate

func bundleKey(ns, kind, name, key string) string { return ns + "/" + kind + "/" + name + "/" + key }

// set records the certificates of one bundle value, if a catalogue certificate may be verified
// against it; the others are only reported, so their parsed certificates need not be kept.
func (b bundleIndex) set(cat []Component, ns, kind, name, key string, certs []*x509.Certificate) {
	if trustRef(cat, kind, name, ns, key) {
		b[bundleKey(ns, kind, name, key)] = [][]*x509.Certificate{certs}
	}
}

// trustRef reports whether the bundle kind/name/key in namespace ns is one that untrusted (in
// classify.go) can look up: a TrustedBy of the catalogue, under its name or with the
// namespace as a suffix.
func trustRef(cat []Component, kind, name, ns, key string) bool {
	for _, c := range cat {
		for _, e := range c.Certs {
			for _, r := range e.TrustedBy {
				if r.Key == key && matchesRef(r, kind, name, ns) {
					return true
				}
			}
		}
	}
	return false
}

// keepCert adds c to the report. A certificate whose trust does not depend on the bundles
// (every one but the catalogue's) is judged now, and its parsed certificates are dropped
// when it passes: with them the report would hold several kilobytes per certificate (the
// x509.Certificate, its DER and key), which is what made a scan of thousands of Secrets grow.
// untrusted gives the same answer for it later without them.
func keepCert(rep *Report, c Certificate) {
	if len(c.trustedBy) == 0 && untrusted(&c, nil) == "" {
		c.cert, c.intermediates, c.ownCA = nil, nil, nil
	}
	rep.Certificates = append(rep.Certificates, c)
}

func (s *Scanner) scanSecrets(ctx context.Context, ns string, cat []Component, rep *Report, bundles bundleIndex) error {
	s.progress("listing Secrets in %s", nsLabel(ns))
	err := s.eachItem(ctx, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return s.Client.CoreV1().Secrets(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		s.addSecret(obj.(*corev1.Secret), cat, rep, bundles)
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing Secrets in %s: %w", nsLabel(ns), err)
	}
	return nil
}

// eachItem lists page by page through client-go's pager, without reading ahead, so memory stays
// about one page whatever the namespace holds. A continue token that expires between pages (410
// Gone: a long listing of a busy cluster) falls back to one full list, as the pager's List does,
// and hands on only the objects not seen yet.
func (s *Scanner) eachItem(ctx context.Context, list pager.ListPageFunc, fn func(runtime.Object) error) error {
	p := pager.New(list)
	p.PageSize = s.pageSize()
	p.PageBufferSize = 0
	seen := map[string]bool{}
	err := p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
		seen[objectKey(obj)] = true
		return fn(obj)
	})
	if !apierrors.IsResourceExpired(err) || len(seen) == 0 {
		return err
	}
	all, err := list(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	return meta.EachListItem(all, func(obj runtime.Object) error {
		if seen[objectKey(obj)] {
			return nil
		}
		return fn(obj)
	})
}

func objectKey(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetNamespace() + "/" + m.GetName()
}

func nsLabel(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}

func (s *Scanner) addSecret(sec *corev1.Secret, cat []Component, rep *Report, bundles bundleIndex) {
	comp, entry := lookupSecret(cat, sec.Name)
	component := componentOfLabels(sec.Labels)
	if comp != nil {
		component = comp.Name
	}
	keys := make([]string, 0, len(sec.Data))
	for k := range sec.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		data := sec.Data[k]
		if !HasPEMCertificate(data) {
			continue
		}
		certs, err := ParsePEMBundle(data)
		if len(certs) == 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("secret %s/%s key %s: %v", sec.Namespace, sec.Name, k, err))
			continue
		}
		keyKey := pairedKey(k)
		isBundleKey := k == "ca.crt" && sec.Data["ca.key"] == nil || strings.HasSuffix(k, "bundle") || strings.HasSuffix(k, "bundle.crt")
		if isBundleKey {
			// ca.crt without ca.key (service account style, cert-manager) is a bundle for the
			// leaf beside it.
			for idx, c := range certs {
				cert := newCert(component, KindSecret, sec.Namespace, sec.Name, k, idx, c, RoleBundle)
				cert.owner = secretOwner(sec, entry != nil)
				keepCert(rep, cert)
			}
			bundles.set(cat, sec.Namespace, KindSecret, sec.Name, k, certs)
			continue
		}
		// A certificate file holds the leaf first and, for library-go and service-ca, its
		// signer after it: the rest is chain, not something the owner issues separately.
		leaf := certs[0]
		role := roleOf(leaf)
		if entry != nil && entry.CertKey == k {
			role = entry.Role
		}
		c := newCert(component, KindSecret, sec.Namespace, sec.Name, k, 0, leaf, role)
		c.intermediates = certs[1:]
		c.owner = secretOwner(sec, entry != nil)
		if kp, ok := sec.Data[keyKey]; ok {
			c.keyMismatch = !KeyMatches(leaf, kp)
		}
		if entry != nil && entry.CertKey == k {
			c.trustedBy = entry.TrustedBy
		} else if entry == nil && k == "tls.crt" && !leaf.IsCA && sec.Labels[labelManagedBy] == managedByVirtOperator {
			// A Secret of a later KubeVirt release: virt-operator signs every one but its CAs
			// with kubevirt-ca (apply/core.go createOrUpdateCertificateSecrets).
			c.trustedBy = []Ref{cm("kubevirt-ca", "ca-bundle")}
		} else if ca, ok := sec.Data["ca.crt"]; ok && k != "ca.crt" {
			c.ownCA, _ = ParsePEMBundle(ca)
		}
		keepCert(rep, c)
	}
}

// pairedKey returns the data key expected to hold the private key of a certificate key.
func pairedKey(k string) string {
	switch {
	case k == "tls.crt":
		return "tls.key"
	case strings.HasSuffix(k, ".crt"):
		return strings.TrimSuffix(k, ".crt") + ".key"
	case strings.HasSuffix(k, ".pem"):
		return strings.TrimSuffix(k, ".pem") + "-key.pem"
	}
	return k + ".key"
}

func roleOf(c *x509.Certificate) Role {
	if c.IsCA {
		return RoleCA
	}
	client, server := false, len(c.ExtKeyUsage) == 0
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageClientAuth:
			client = true
		case x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageAny:
			server = true
		}
	}
	if client && !server {
		return RoleClient
	}
	return RoleServing
}

// virt-operator labels every object it makes with this (kubevirt.io/api core/v1 ManagedByLabel).
const (
	labelManagedBy        = "app.kubernetes.io/managed-by"
	managedByVirtOperator = "virt-operator"
)

// componentOfLabels attributes an object the catalogue does not know by its owner's labels.
func componentOfLabels(l map[string]string) string {
	switch {
	case l[labelManagedBy] == managedByVirtOperator, l["kubevirt.io"] != "":
		return CompKubeVirt
	case l["cdi.kubevirt.io"] != "" || hasKey(l, "cdi.kubevirt.io"):
		return CompCDI
	case l["app"] == "kubemacpool":
		return CompKubeMacPool
	}
	return "-"
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func newCert(component, kind, ns, name, key string, idx int, c *x509.Certificate, role Role) Certificate {
	sans := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		sans = append(sans, ip.String())
	}
	return Certificate{
		Component: component, Kind: kind, Namespace: ns, Name: name, Key: key, Index: idx,
		Subject: subjectName(c.Subject.CommonName, c.Subject.String()), Issuer: subjectName(c.Issuer.CommonName, c.Issuer.String()),
		Role: role, Serial: serialHex(c), Fingerprint: fingerprint(c), SANs: sans,
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), cert: c,
	}
}

// serialHex is how reports and plans show a serial number ("00" for zero, which some owners
// give every CA they make).
func serialHex(c *x509.Certificate) string {
	if c.SerialNumber == nil || c.SerialNumber.Sign() == 0 {
		return "00"
	}
	return hex.EncodeToString(c.SerialNumber.Bytes())
}

// Identity tells certificates apart: the fingerprint, or the serial for a Certificate made
// without its bytes. The default table of pkg/printers shows the bundle entries of one CA on
// one row by it.
func (c *Certificate) Identity() string {
	if c.Fingerprint != "" {
		return c.Fingerprint
	}
	return c.Serial
}

// fingerprint identifies a certificate: two certificates with one serial, subject and issuer
// are still two when their bytes differ.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func subjectName(cn, full string) string {
	if cn != "" {
		return cn
	}
	return full
}

func (s *Scanner) scanConfigMaps(ctx context.Context, ns string, cat []Component, rep *Report, bundles bundleIndex) error {
	s.progress("listing ConfigMaps in %s", nsLabel(ns))
	err := s.eachItem(ctx, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return s.Client.CoreV1().ConfigMaps(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		s.addConfigMap(obj.(*corev1.ConfigMap), cat, rep, bundles)
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing ConfigMaps in %s: %w", nsLabel(ns), err)
	}
	return nil
}

func (s *Scanner) addConfigMap(cmap *corev1.ConfigMap, cat []Component, rep *Report, bundles bundleIndex) {
	// kube-root-ca.crt is in every namespace and belongs to the cluster, not to CNV.
	if cmap.Name == "kube-root-ca.crt" {
		return
	}
	component := componentOfBundle(cat, KindConfigMap, cmap.Name, cmap.Namespace, cmap.Labels)
	keys := make([]string, 0, len(cmap.Data))
	for k := range cmap.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		data := []byte(cmap.Data[k])
		if !HasPEMCertificate(data) {
			continue
		}
		certs, err := ParsePEMBundle(data)
		if len(certs) == 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("configmap %s/%s key %s: %v", cmap.Namespace, cmap.Name, k, err))
			continue
		}
		bundles.set(cat, cmap.Namespace, KindConfigMap, cmap.Name, k, certs)
		for idx, c := range certs {
			cert := newCert(component, KindConfigMap, cmap.Namespace, cmap.Name, k, idx, c, RoleBundle)
			cert.owner = ownerInfo{component: component != "-", controller: controllerOf(cmap.OwnerReferences)}
			if cmap.Name == serviceCABundle {
				cert.owner = ownerInfo{injected: true}
			}
			keepCert(rep, cert)
		}
	}
}

func componentOfBundle(cat []Component, kind, name, ns string, labels map[string]string) string {
	for _, c := range cat {
		for _, r := range c.Bundles {
			if matchesRef(r, kind, name, ns) {
				return c.Name
			}
		}
	}
	if name == serviceCABundle {
		return CompSSP
	}
	return componentOfLabels(labels)
}

// componentOfService attributes a webhook or APIService by the service it calls.
func componentOfService(cat []Component, kind, name, ns, svc string) string {
	if c := componentOfBundle(cat, kind, name, ns, nil); c != "-" {
		return c
	}
	switch {
	case strings.HasPrefix(svc, "virt-"), strings.HasPrefix(svc, "kubevirt-"):
		return CompKubeVirt
	case strings.HasPrefix(svc, "cdi-"):
		return CompCDI
	case strings.HasPrefix(svc, "kubemacpool"):
		return CompKubeMacPool
	case strings.HasPrefix(svc, "ssp-"):
		return CompSSP
	}
	return "-"
}

// hookRef is one webhook (or APIService) of a configuration: the service it calls and the CA
// bundle the API server verifies that service with.
type hookRef struct {
	ns, svc  string
	caBundle []byte
}

type webhookView struct {
	kind, name string
	hooks      []hookRef
}

// newWebhookView keeps the webhooks that call a service; URL webhooks call nothing in a
// namespace.
func newWebhookView(kind, name string, configs []admissionregistrationv1.WebhookClientConfig) webhookView {
	v := webhookView{kind: kind, name: name}
	for _, cc := range configs {
		if cc.Service != nil {
			v.hooks = append(v.hooks, hookRef{cc.Service.Namespace, cc.Service.Name, cc.CABundle})
		}
	}
	return v
}

func (s *Scanner) scanWebhooks(ctx context.Context, inScope func(string) bool, cat []Component, rep *Report, bundles bundleIndex) error {
	s.progress("listing webhook configurations")
	api := s.Client.AdmissionregistrationV1()
	validating, err := s.listWebhookViews(ctx, rep, "validating", func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return api.ValidatingWebhookConfigurations().List(ctx, opts)
	}, func(obj runtime.Object) webhookView {
		c := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
		return newWebhookView(KindValidating, c.Name, validatingConfigs(c))
	})
	if err != nil {
		return err
	}
	mutating, err := s.listWebhookViews(ctx, rep, "mutating", func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return api.MutatingWebhookConfigurations().List(ctx, opts)
	}, func(obj runtime.Object) webhookView {
		c := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
		return newWebhookView(KindMutating, c.Name, mutatingConfigs(c))
	})
	if err != nil {
		return err
	}
	for _, v := range append(validating, mutating...) {
		s.addCABundles(v, inScope, cat, rep, bundles)
	}
	return nil
}

// listWebhookViews pages through one kind of webhook configuration. Not being allowed to list
// them is a warning: Secrets and ConfigMaps are still worth reporting.
func (s *Scanner) listWebhookViews(ctx context.Context, rep *Report, kind string, list pager.ListPageFunc, view func(runtime.Object) webhookView) ([]webhookView, error) {
	var views []webhookView
	err := s.eachItem(ctx, list, func(obj runtime.Object) error {
		views = append(views, view(obj))
		return nil
	})
	if apierrors.IsForbidden(err) {
		rep.Warnings = append(rep.Warnings, "cannot list "+kind+"webhookconfigurations: "+err.Error())
		return views, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing %s webhook configurations: %w", kind, err)
	}
	return views, nil
}

// addCABundles records the distinct caBundles of a webhook configuration (or APIService) whose
// service is in scope.
func (s *Scanner) addCABundles(v webhookView, inScope func(string) bool, cat []Component, rep *Report, bundles bundleIndex) {
	seen := map[string]bool{}
	idx := 0
	for _, h := range v.hooks {
		if !inScope(h.ns) {
			continue
		}
		certs, _ := ParsePEMBundle(h.caBundle)
		key := bundleKey(h.ns, v.kind, v.name, "")
		// Every webhook's bundle counts for trust: the API server uses each one.
		if trustRef(cat, v.kind, v.name, h.ns, "") {
			bundles[key] = append(bundles[key], certs)
		}
		if seen[string(h.caBundle)] {
			continue
		}
		seen[string(h.caBundle)] = true
		comp := componentOfService(cat, v.kind, v.name, h.ns, h.svc)
		for _, c := range certs {
			cert := newCert(comp, v.kind, "", v.name, "caBundle", idx, c, RoleBundle)
			cert.Namespace = h.ns
			cert.owner = ownerInfo{component: comp != "-"}
			keepCert(rep, cert)
			idx++
		}
	}
}

func (s *Scanner) scanAPIServices(ctx context.Context, inScope func(string) bool, cat []Component, rep *Report, bundles bundleIndex) {
	if s.Dynamic == nil {
		return
	}
	s.progress("listing APIServices")
	err := s.eachItem(ctx, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return s.Dynamic.Resource(gvrAPIService).List(ctx, opts)
	}, func(obj runtime.Object) error {
		item := obj.(*unstructured.Unstructured)
		ns, _, _ := unstructured.NestedString(item.Object, "spec", "service", "namespace")
		svc, _, _ := unstructured.NestedString(item.Object, "spec", "service", "name")
		ca, _, _ := unstructured.NestedString(item.Object, "spec", "caBundle")
		if ns == "" {
			return nil
		}
		raw, err := base64.StdEncoding.DecodeString(ca)
		if err != nil {
			return nil //nolint:nilerr // an unreadable caBundle is not a bundle to check
		}
		v := webhookView{kind: KindAPIService, name: item.GetName(), hooks: []hookRef{{ns, svc, raw}}}
		s.addCABundles(v, inScope, cat, rep, bundles)
		return nil
	})
	if err != nil {
		rep.Warnings = append(rep.Warnings, "cannot list apiservices: "+err.Error())
	}
}

// readCertConfig reads HCO's spec.certConfig (v1beta1) so the report can say whether rotation
// is automatic.
func (s *Scanner) readCertConfig(ctx context.Context, namespaces []string, rep *Report) {
	if s.Dynamic == nil {
		return
	}
	var items []unstructured.Unstructured
	if len(namespaces) == 0 {
		l, err := s.Dynamic.Resource(gvrHCO).List(ctx, metav1.ListOptions{Limit: 10})
		if err != nil {
			return
		}
		items = l.Items
	}
	for _, ns := range namespaces {
		l, err := s.Dynamic.Resource(gvrHCO).Namespace(ns).List(ctx, metav1.ListOptions{Limit: 10})
		if err != nil {
			return // no HCO CRD: nothing to show
		}
		items = append(items, l.Items...)
	}
	for _, it := range items {
		cc, found, _ := unstructured.NestedMap(it.Object, "spec", "certConfig")
		if !found {
			continue
		}
		get := func(a, b string) string { v, _, _ := unstructured.NestedString(cc, a, b); return v }
		rep.CertConfig = &CertConfig{
			CADuration: get("ca", "duration"), CARenewBefore: get("ca", "renewBefore"),
			ServerDuration: get("server", "duration"), ServerRenewBefore: get("server", "renewBefore"),
			HyperConvergedName: it.GetName(), HyperConvergedNSpace: it.GetNamespace(),
		}
		return
	}
}

// scanRoutes reads the certificates of OpenShift Routes; clusters without the Route API (plain
// Kubernetes) have none, which is not an error.
func (s *Scanner) scanRoutes(ctx context.Context, ns string, cat []Component, rep *Report, bundles bundleIndex) {
	if s.Dynamic == nil {
		return
	}
	// No Route API (plain Kubernetes) or no access: no Routes to read.
	_ = s.eachItem(ctx, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return s.Dynamic.Resource(gvrRoute).Namespace(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		item := obj.(*unstructured.Unstructured)
		comp := componentOfBundle(cat, KindRoute, item.GetName(), item.GetNamespace(), item.GetLabels())
		for _, key := range []string{"destinationCACertificate", "caCertificate", "certificate"} {
			val, _, _ := unstructured.NestedString(item.Object, "spec", "tls", key)
			if !HasPEMCertificate([]byte(val)) {
				continue
			}
			certs, _ := ParsePEMBundle([]byte(val))
			if key != "certificate" {
				bundles.set(cat, item.GetNamespace(), KindRoute, item.GetName(), key, certs)
				for idx, c := range certs {
					cert := newCert(comp, KindRoute, item.GetNamespace(), item.GetName(), key, idx, c, RoleBundle)
					cert.owner = ownerInfo{component: comp != "-"}
					keepCert(rep, cert)
				}
				continue
			}
			if len(certs) == 0 {
				continue
			}
			c := newCert(comp, KindRoute, item.GetNamespace(), item.GetName(), key, 0, certs[0], roleOf(certs[0]))
			c.owner = ownerInfo{component: comp != "-"}
			c.intermediates = certs[1:]
			if k, _, _ := unstructured.NestedString(item.Object, "spec", "tls", "key"); k != "" {
				c.keyMismatch = !KeyMatches(certs[0], []byte(k))
			}
			keepCert(rep, c)
		}
		return nil
	})
}
