// Command kubevirt-certs keeps virt-operator's certificate estate in the namespaces of the local
// test cluster with virt-operator's own code, so that `oc cnv certs` is tested against what
// KubeVirt really writes, not against a second reading of its source.
//
// What comes from kubevirt.io/kubevirt (the version this module requires):
//   - the Secrets, their names, labels, type, and which CA signs each one:
//     components.NewCACertSecrets, NewCertSecrets, NewCAConfigMaps and
//     PopulateSecretWithCertificate (pkg/virt-operator/resource/generate/components/secrets.go);
//   - the lifetimes from a KubeVirt selfSigned configuration, as HCO's certConfig sets it:
//     apply.GetCADuration, GetCARenewBefore, GetCertDuration, GetCertRenewBefore
//     (pkg/virt-operator/resource/apply/certificates.go);
//   - when a certificate is due: components.LoadCertificates and NextRotationDeadline (which
//     also re-issues a leaf the current CA did not sign);
//   - the CA bundle with its overlap: components.MergeCABundle;
//   - the Services virt-api, virt-exportproxy and kubevirt-operator-webhook, through which
//     clients reach the serving components: components.NewApiServerService,
//     NewExportProxyService (deployments.go) and NewOperatorWebhookService (webhooks.go).
//
// What is this program's own, because it is not exported upstream: the order of the steps, the
// comparison of the kubevirt.io/duration annotation with the configured duration, and writing
// the objects. These follow createOrUpdateComponentsWithCertificates, createOrUpdateCertificateSecret,
// certificationNeedsRotation and createOrUpdateKubeVirtCAConfigMap in
// pkg/virt-operator/resource/apply/core.go at the same version.
//
// Where it acts is the KubeVirt simulator's convention (docs/simulator.md): the CNV namespace,
// and every namespace labelled kubevirt-sim.oc-cnv.io/cnv whose components include kubevirt. It
// issues nothing while the namespace's virt-operator Deployment is missing or scaled to 0, or
// while the namespace's kubevirt-sim.oc-cnv.io/fail annotation names kubevirt. The lifetimes
// come from the namespace's kubevirt-sim.oc-cnv.io/{ca,server}-{duration,renew-before}
// annotations, which play HCO's certConfig, passed as a KubeVirtSelfSignConfiguration.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	v1 "kubevirt.io/api/core/v1"

	"kubevirt.io/kubevirt/pkg/certificates/triple/cert"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/apply"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

// The simulator's estate convention (test/kubevirt-sim/certowners/certowners.go).
const (
	estateLabel          = "kubevirt-sim.oc-cnv.io/cnv"
	annFail              = "kubevirt-sim.oc-cnv.io/fail"
	annCADuration        = "kubevirt-sim.oc-cnv.io/ca-duration"
	annCARenewBefore     = "kubevirt-sim.oc-cnv.io/ca-renew-before"
	annServerDuration    = "kubevirt-sim.oc-cnv.io/server-duration"
	annServerRenewBefore = "kubevirt-sim.oc-cnv.io/server-renew-before"
	durationAnnotation   = "kubevirt.io/duration"
	operatorDeployment   = "virt-operator"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	cnvNamespace := flag.String("cnv-namespace", "openshift-cnv", "CNV namespace kept without a label (empty: only labelled namespaces)")
	cnvComponents := flag.String("certs-components", "all", "components installed in --cnv-namespace, as the simulator's flag of that name")
	interval := flag.Duration("interval", time.Second, "resync period; changes to Secrets, ConfigMaps, Deployments and Namespaces are reacted to at once")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubevirt-certs:", err)
		os.Exit(1)
	}
	cfg.QPS, cfg.Burst = 50, 100
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubevirt-certs:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := &owner{c: c, cnvNamespace: *cnvNamespace, cnvComponents: *cnvComponents}
	o.run(ctx, *interval)
}

type owner struct {
	c             kubernetes.Interface
	cnvNamespace  string
	cnvComponents string
	// services, when set, answers whether a Service exists without asking the API server on
	// every tick.
	services corelisters.ServiceLister
}

// run reconciles every estate on each tick and as soon as one of its objects changes, as
// virt-operator's informers would make it.
func (o *owner) run(ctx context.Context, interval time.Duration) {
	kick := make(chan string, 1000)
	f := informers.NewSharedInformerFactory(o.c, 10*time.Minute)
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { notify(kick, obj) },
		UpdateFunc: func(_, obj any) { notify(kick, obj) },
		DeleteFunc: func(obj any) { notify(kick, obj) },
	}
	for _, inf := range []cache.SharedIndexInformer{f.Core().V1().Secrets().Informer(), f.Core().V1().ConfigMaps().Informer(), f.Apps().V1().Deployments().Informer()} {
		_, _ = inf.AddEventHandler(handler)
	}
	_, _ = f.Core().V1().Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { notifyName(kick, obj) },
		UpdateFunc: func(_, obj any) { notifyName(kick, obj) },
	})
	o.services = f.Core().V1().Services().Lister()
	f.Start(ctx.Done())
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		o.resync(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case ns := <-kick:
			// Coalesce a burst of events into one pass over the estates they touched.
			touched := map[string]bool{ns: true}
			for drained := false; !drained; {
				select {
				case n := <-kick:
					touched[n] = true
				default:
					drained = true
				}
			}
			for n := range touched {
				if e := o.estate(ctx, n); e != nil {
					o.reconcileLogged(ctx, e)
				}
			}
			continue
		}
	}
}

func notify(kick chan<- string, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if m, ok := obj.(metav1.Object); ok {
		select {
		case kick <- m.GetNamespace():
		default:
		}
	}
}

func notifyName(kick chan<- string, obj any) {
	if m, ok := obj.(metav1.Object); ok {
		select {
		case kick <- m.GetName():
		default:
		}
	}
}

func (o *owner) resync(ctx context.Context) {
	list, err := o.c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		if ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "kubevirt-certs: listing namespaces:", err)
		}
		return
	}
	for i := range list.Items {
		if e := o.estateOf(&list.Items[i]); e != nil {
			o.reconcileLogged(ctx, e)
		}
	}
}

func (o *owner) estate(ctx context.Context, name string) *estate {
	if name == "" {
		return nil
	}
	ns, err := o.c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return o.estateOf(ns)
}

// estate is a namespace virt-operator is installed in, as the simulator's convention says.
type estate struct {
	ns       string
	selfSign *v1.KubeVirtSelfSignConfiguration
}

func (o *owner) estateOf(ns *corev1.Namespace) *estate {
	if ns.DeletionTimestamp != nil {
		return nil
	}
	comps, labelled := ns.Labels[estateLabel]
	if ns.Name == o.cnvNamespace && o.cnvNamespace != "" {
		comps, labelled = o.cnvComponents, true
	}
	if !labelled || !hasComponent(comps, "kubevirt") || hasComponent(ns.Annotations[annFail], "kubevirt") {
		return nil
	}
	// HCO's certConfig defaults, which the simulator's annotations default to as well.
	return &estate{ns: ns.Name, selfSign: &v1.KubeVirtSelfSignConfiguration{
		CA:     &v1.CertConfig{Duration: annDuration(ns, annCADuration, 48*time.Hour), RenewBefore: annDuration(ns, annCARenewBefore, 24*time.Hour)},
		Server: &v1.CertConfig{Duration: annDuration(ns, annServerDuration, 24*time.Hour), RenewBefore: annDuration(ns, annServerRenewBefore, 12*time.Hour)},
	}}
}

func hasComponent(list, name string) bool {
	for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == '.' || r == '_' }) {
		if p = strings.TrimSpace(p); p == name || p == "all" {
			return true
		}
	}
	return false
}

func annDuration(ns *corev1.Namespace, key string, def time.Duration) *metav1.Duration {
	if d, err := time.ParseDuration(ns.Annotations[key]); err == nil && d > 0 {
		return &metav1.Duration{Duration: d}
	}
	return &metav1.Duration{Duration: def}
}

func (o *owner) reconcileLogged(ctx context.Context, e *estate) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// Conflicts and races with a test deleting its namespace are retried on the next event or
	// tick, as virt-operator's work queue would.
	if err := o.reconcile(ctx, e); err != nil && ctx.Err() == nil && !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) && !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err) {
		fmt.Fprintf(os.Stderr, "kubevirt-certs: %s: %v\n", e.ns, err)
	}
}

// reconcile is createOrUpdateComponentsWithCertificates without creating the webhooks,
// APIServices and Routes (the simulator creates the webhook configurations, see
// docs/simulator.md): the two CAs, the CA ConfigMaps, the kubevirt-ca bundle in the webhook
// configurations, and every certificate Secret signed by kubevirt-ca, in that order; and the
// Services of the serving components.
func (o *owner) reconcile(ctx context.Context, e *estate) error {
	d, err := o.c.AppsV1().Deployments(e.ns).Get(ctx, operatorDeployment, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
		return nil
	}
	if err := o.ensureServices(ctx, e.ns); err != nil {
		return err
	}
	caDuration := apply.GetCADuration(e.selfSign)
	caRenewBefore := apply.GetCARenewBefore(e.selfSign)
	certDuration := apply.GetCertDuration(e.selfSign)
	certRenewBefore := apply.GetCertRenewBefore(e.selfSign)
	// core.go gives the export CA the CA duration and the certificates' renewBefore.
	caExportRenewBefore := apply.GetCertRenewBefore(e.selfSign)

	cas := map[string]*tls.Certificate{}
	for _, s := range components.NewCACertSecrets(e.ns) {
		renew := caRenewBefore
		if s.Name == components.KubeVirtExportCASecretName {
			renew = caExportRenewBefore
		}
		crt, err := o.ensureSecret(ctx, s, nil, caDuration, renew, nil)
		if err != nil {
			return err
		}
		cas[s.Name] = crt
	}
	for _, cm := range components.NewCAConfigMaps(e.ns) {
		var err error
		switch cm.Name {
		case components.KubeVirtCASecretName:
			var bundle []byte
			if bundle, err = o.ensureBundle(ctx, cm, cas[cm.Name], caRenewBefore); err == nil {
				// Before any certificate the new CA signs is written, as core.go orders it: the
				// API server must trust a new CA before a webhook serves a certificate from it.
				err = o.ensureWebhookBundles(ctx, e.ns, bundle)
			}
		case components.KubeVirtExportCASecretName:
			_, err = o.ensureBundle(ctx, cm, cas[cm.Name], caExportRenewBefore)
		default:
			// kubevirt-external-ca: created empty, for administrators to add CAs to.
			cm.Data = map[string]string{components.CABundleKey: ""}
			_, err = o.c.CoreV1().ConfigMaps(e.ns).Create(ctx, cm, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				err = nil
			}
		}
		if err != nil {
			return err
		}
	}
	// createOrUpdateCertificateSecrets: every Secret but the CAs, signed with kubevirt-ca.
	for _, s := range components.NewCertSecrets(e.ns, e.ns) {
		if _, isCA := cas[s.Name]; isCA {
			continue
		}
		if _, err := o.ensureSecret(ctx, s, cas[components.KubeVirtCASecretName], certDuration, certRenewBefore, caRenewBefore); err != nil {
			return err
		}
	}
	return nil
}

// ensureServices creates, when missing, the Services through which clients reach the
// components that serve KubeVirt's certificates, as upstream generates them (virt-api and
// virt-exportproxy: 443 -> 8443; kubevirt-operator-webhook: 443 -> virt-operator's port named
// "webhooks"). `oc cnv certs check --served` follows them to a pod. Like virt-operator, which
// creates them from its install strategy, it leaves an existing one alone.
func (o *owner) ensureServices(ctx context.Context, ns string) error {
	for _, svc := range []*corev1.Service{components.NewApiServerService(ns), components.NewExportProxyService(ns), components.NewOperatorWebhookService(ns)} {
		if o.services != nil {
			if _, err := o.services.Services(ns).Get(svc.Name); err == nil {
				continue
			}
		}
		if _, err := o.c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("service %s: %w", svc.Name, err)
		}
	}
	return nil
}

// ensureSecret is createOrUpdateCertificateSecret: keep the Secret while it is valid, re-issue it
// with PopulateSecretWithCertificate when it is missing, unreadable, issued for another duration,
// past its rotation deadline, or not signed by ca.
func (o *owner) ensureSecret(ctx context.Context, desired *corev1.Secret, ca *tls.Certificate, duration, renewBefore, caRenewBefore *metav1.Duration) (*tls.Certificate, error) {
	secret := desired.DeepCopy()
	existing, err := o.c.CoreV1().Secrets(secret.Namespace).Get(ctx, secret.Name, metav1.GetOptions{})
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	if exists && !needsRotation(existing, duration, ca, renewBefore, caRenewBefore) {
		crt, err := components.LoadCertificates(existing)
		if err != nil {
			return nil, err
		}
		if labelsMissing(existing.Labels, secret.Labels) {
			up := existing.DeepCopy()
			up.Labels = merged(up.Labels, secret.Labels)
			if _, err := o.c.CoreV1().Secrets(up.Namespace).Update(ctx, up, metav1.UpdateOptions{}); err != nil {
				return nil, err
			}
		}
		return crt, nil
	}
	if err := components.PopulateSecretWithCertificate(secret, ca, duration); err != nil {
		return nil, err
	}
	crt, err := components.LoadCertificates(secret)
	if err != nil {
		return nil, err
	}
	if !exists {
		_, err = o.c.CoreV1().Secrets(secret.Namespace).Create(ctx, secret, metav1.CreateOptions{})
		return crt, err
	}
	up := existing.DeepCopy()
	up.Labels = merged(up.Labels, secret.Labels)
	up.Annotations = merged(up.Annotations, secret.Annotations)
	up.Data = secret.Data
	_, err = o.c.CoreV1().Secrets(up.Namespace).Update(ctx, up, metav1.UpdateOptions{})
	return crt, err
}

// needsRotation is certificationNeedsRotation (core.go): its checks are upstream's exported
// functions but for the duration annotation comparison, which upstream does inline.
func needsRotation(s *corev1.Secret, duration *metav1.Duration, ca *tls.Certificate, renewBefore, caRenewBefore *metav1.Duration) bool {
	crt, err := components.LoadCertificates(s)
	if err != nil {
		return true
	}
	if s.Annotations[durationAnnotation] != duration.String() {
		return true
	}
	return components.NextRotationDeadline(crt, ca, renewBefore, caRenewBefore).Before(time.Now())
}

// ensureBundle is createOrUpdateKubeVirtCAConfigMap without external CAs: a new ConfigMap holds
// the CA; an existing one gets MergeCABundle's result (the current CA first, older ones kept
// for the overlap). It returns the bundle the ConfigMap holds afterwards.
func (o *owner) ensureBundle(ctx context.Context, desired *corev1.ConfigMap, ca *tls.Certificate, overlap *metav1.Duration) ([]byte, error) {
	cm := desired.DeepCopy()
	existing, err := o.c.CoreV1().ConfigMaps(cm.Namespace).Get(ctx, cm.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		bundle := cert.EncodeCertPEM(ca.Leaf)
		cm.Data = map[string]string{components.CABundleKey: string(bundle)}
		_, err = o.c.CoreV1().ConfigMaps(cm.Namespace).Create(ctx, cm, metav1.CreateOptions{})
		return bundle, err
	}
	if err != nil {
		return nil, err
	}
	bundle, _, err := components.MergeCABundle(ca, []byte(existing.Data[components.CABundleKey]), overlap.Duration)
	if err != nil {
		// An unreadable bundle is replaced by the current CA, as upstream does.
		bundle = cert.EncodeCertPEM(ca.Leaf)
	}
	if string(bundle) == existing.Data[components.CABundleKey] && !labelsMissing(existing.Labels, cm.Labels) {
		return bundle, nil
	}
	up := existing.DeepCopy()
	up.Labels = merged(up.Labels, cm.Labels)
	up.Data = map[string]string{components.CABundleKey: string(bundle)}
	_, err = o.c.CoreV1().ConfigMaps(up.Namespace).Update(ctx, up, metav1.UpdateOptions{})
	return bundle, err
}

func labelsMissing(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return true
		}
	}
	return false
}

func merged(have, want map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range have {
		out[k] = v
	}
	for k, v := range want {
		out[k] = v
	}
	return out
}
