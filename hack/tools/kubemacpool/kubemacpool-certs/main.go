// Command kubemacpool-certs keeps kubemacpool's certificates in the namespaces of the local test
// cluster with kubemacpool's own certificate manager, qinqon/kube-admission-webhook's
// pkg/certificate at the version this module requires, so that `oc cnv certs` is tested against
// what that code writes, not against a second reading of it.
//
// What comes from kube-admission-webhook (certificate.Manager.Reconcile and what it calls):
//   - the CA Secret (named after the webhook configuration, "-ca"; ca.crt and ca.key) and the
//     serving Secret named after the webhook's Service, with their annotation;
//   - the CA prepended to the webhook's caBundle, and older CAs dropped after the overlap;
//   - a serving certificate renewed with overlap (prepended to tls.crt), and all of them reset
//     when the CA is rotated;
//   - when anything is due: the rotation deadlines and the chain check that forces a rotation
//     (CA Secret unreadable, first caBundle entry not the CA, serving certificate not verifying).
//
// What is this program's own, because upstream wires it through a controller-runtime manager:
//   - when Reconcile runs. Upstream's controller (controller.go) reconciles on a change to the
//     webhook configuration and on a create, update or delete of an annotated Secret that is the
//     CA or a service Secret, and again after the RequeueAfter that Reconcile returns. This
//     program does the same from its own informers, so that it can run one manager per
//     namespace in one process;
//   - the webhook configuration's name. The simulator gives an estate's configuration the suffix
//     "-<namespace>", as configurations are cluster-scoped and each estate has its own; the
//     manager is given upstream's name, kubemacpool-mutator, so that its CA Secret is
//     kubemacpool-mutator-ca as on a real cluster, and reads and writes the configuration
//     through a client that adds the suffix (suffixClient).
//
// Where it acts is the KubeVirt simulator's convention (docs/simulator.md): the CNV namespace and
// every namespace labelled kubevirt-sim.oc-cnv.io/cnv whose components include kubemacpool. A
// manager runs while the namespace's kubemacpool-cert-manager Deployment exists with replicas,
// as the real one runs in that Deployment's pod; scaled to 0 and back, it is a new manager, as
// a restarted pod is. Nothing runs while the namespace's kubevirt-sim.oc-cnv.io/fail annotation
// names kubemacpool. The lifetimes come from the namespace's
// kubevirt-sim.oc-cnv.io/{ca,server}-{duration,renew-before} annotations, which play HCO's
// certConfig as kubemacpool passes it on (CA and service rotate and overlap intervals).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/qinqon/kube-admission-webhook/pkg/certificate"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// The simulator's estate convention (test/kubevirt-sim/certowners/certowners.go).
const (
	estateLabel          = "kubevirt-sim.oc-cnv.io/cnv"
	annFail              = "kubevirt-sim.oc-cnv.io/fail"
	annCADuration        = "kubevirt-sim.oc-cnv.io/ca-duration"
	annCARenewBefore     = "kubevirt-sim.oc-cnv.io/ca-renew-before"
	annServerDuration    = "kubevirt-sim.oc-cnv.io/server-duration"
	annServerRenewBefore = "kubevirt-sim.oc-cnv.io/server-renew-before"
	certManagerName      = "kubemacpool-cert-manager"
	// kubemacpool v0.50.0 config/release/kubemacpool.yaml: the mutating webhook configuration its
	// certificate manager is started for (cmd/manager: --webhook-name default), and the
	// annotation kube-admission-webhook puts on the Secrets it manages.
	webhookName      = "kubemacpool-mutator"
	managedSecretAnn = "kubevirt.io/kube-admission-webhook"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	cnvNamespace := flag.String("cnv-namespace", "openshift-cnv", "CNV namespace kept without a label (empty: only labelled namespaces)")
	cnvComponents := flag.String("certs-components", "all", "components installed in --cnv-namespace, as the simulator's flag of that name")
	verbose := flag.Bool("v", false, "log what the certificate managers log")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	cr, err := crclient.New(cfg, crclient.Options{})
	if err != nil {
		fail(err)
	}
	if *verbose {
		logf.SetLogger(stderrLogger())
	} else {
		logf.SetLogger(logr.Discard())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := &owner{c: c, cr: cr, cnvNamespace: *cnvNamespace, cnvComponents: *cnvComponents, running: map[string]*running{}}
	o.run(ctx)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kubemacpool-certs:", err)
	os.Exit(1)
}

type owner struct {
	c             kubernetes.Interface
	cr            crclient.Client
	cnvNamespace  string
	cnvComponents string

	mu      sync.Mutex
	running map[string]*running
}

// running is one namespace's certificate manager, as in its kubemacpool-cert-manager pod.
type running struct {
	opts   lifetimes
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

func (o *owner) run(ctx context.Context) {
	f := informers.NewSharedInformerFactory(o.c, 10*time.Minute)
	nsInf := f.Core().V1().Namespaces().Informer()
	depInf := f.Apps().V1().Deployments().Informer()
	secInf := f.Core().V1().Secrets().Informer()
	mwcInf := f.Admissionregistration().V1().MutatingWebhookConfigurations().Informer()
	changed := make(chan struct{}, 1)
	resync := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	all := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { resync() },
		UpdateFunc: func(any, any) { resync() },
		DeleteFunc: func(any) { resync() },
	}
	_, _ = nsInf.AddEventHandler(all)
	_, _ = depInf.AddEventHandler(all)
	// What upstream's controller watches (controller.go ctrlPredicate): the manager's webhook
	// configuration, and annotated Secrets that are its CA or service Secrets.
	_, _ = secInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { o.secretChanged(obj) },
		UpdateFunc: func(old, _ any) { o.secretChanged(old) },
		DeleteFunc: func(obj any) { o.secretChanged(obj) },
	})
	_, _ = mwcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { o.webhookChanged(obj) },
		UpdateFunc: func(old, _ any) { o.webhookChanged(old) },
	})
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		o.converge(ctx, nsInf.GetStore(), depInf.GetStore())
		select {
		case <-ctx.Done():
			o.stopAll()
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// converge starts a manager in every namespace that should have one and stops the others.
func (o *owner) converge(ctx context.Context, namespaces, deployments cache.Store) {
	want := map[string]lifetimes{}
	for _, obj := range namespaces.List() {
		ns := obj.(*corev1.Namespace)
		opts, ok := o.estateOf(ns)
		if !ok {
			continue
		}
		d, exists, _ := deployments.GetByKey(ns.Name + "/" + certManagerName)
		if !exists {
			continue
		}
		if dep := d.(*appsv1.Deployment); dep.Spec.Replicas != nil && *dep.Spec.Replicas == 0 {
			continue
		}
		want[ns.Name] = opts
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for ns, r := range o.running {
		if l, ok := want[ns]; !ok || l != r.opts {
			r.cancel()
			delete(o.running, ns)
		}
	}
	for ns, l := range want {
		if _, ok := o.running[ns]; ok {
			continue
		}
		opts := l.options(ns)
		m, err := certificate.NewManager(suffixClient{Client: o.cr, name: webhookName, actual: webhookConfigName(ns, o.cnvNamespace)}, &opts)
		if err != nil {
			fmt.Fprintf(os.Stderr, "kubemacpool-certs: %s: %v\n", ns, err)
			continue
		}
		rctx, cancel := context.WithCancel(ctx)
		r := &running{opts: l, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
		o.running[ns] = r
		go r.loop(rctx, ns, m)
	}
}

func (o *owner) stopAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for ns, r := range o.running {
		r.cancel()
		delete(o.running, ns)
	}
}

// loop is the manager's work queue: Reconcile now, then again when something it watches
// changes or when the RequeueAfter it returned has passed; after an error, again with backoff,
// as controller-runtime requeues a failed request.
func (r *running) loop(ctx context.Context, ns string, m *certificate.Manager) {
	defer close(r.done)
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: webhookName}}
	backoff := 100 * time.Millisecond
	for {
		res, err := m.Reconcile(ctx, req)
		wait := res.RequeueAfter
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fmt.Fprintf(os.Stderr, "kubemacpool-certs: %s: %v\n", ns, err)
			wait, backoff = backoff, min(2*backoff, 10*time.Second)
		} else {
			backoff = 100 * time.Millisecond
		}
		if wait <= 0 {
			wait = time.Hour
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-r.kick:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (o *owner) kick(ns string) {
	o.mu.Lock()
	r := o.running[ns]
	o.mu.Unlock()
	if r == nil {
		return
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// secretChanged kicks the namespace's manager for an annotated Secret that is its CA Secret or
// the Secret of the webhook's Service (kubemacpool has one Service: kubemacpool-service).
func (o *owner) secretChanged(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	if _, annotated := s.Annotations[managedSecretAnn]; !annotated {
		return
	}
	if s.Name == webhookName+"-ca" || s.Name == "kubemacpool-service" {
		o.kick(s.Namespace)
	}
}

// webhookChanged kicks the manager whose webhook configuration it is.
func (o *owner) webhookChanged(obj any) {
	w, ok := obj.(*admissionv1.MutatingWebhookConfiguration)
	if !ok {
		return
	}
	if w.Name == webhookName && o.cnvNamespace != "" {
		o.kick(o.cnvNamespace)
		return
	}
	if ns, ok := strings.CutPrefix(w.Name, webhookName+"-"); ok {
		o.kick(ns)
	}
}

// webhookConfigName is the simulator's name for ns's webhook configuration.
func webhookConfigName(ns, cnvNamespace string) string {
	if ns == cnvNamespace {
		return webhookName
	}
	return webhookName + "-" + ns
}

// lifetimes are what the estate's annotations say; a change of them is a new manager, as a
// changed HCO certConfig rolls kubemacpool's cert-manager pod.
type lifetimes struct {
	caDuration, caOverlap, certDuration, certOverlap time.Duration
}

func (l lifetimes) options(ns string) certificate.Options {
	return certificate.Options{
		WebhookName:         webhookName,
		WebhookType:         certificate.MutatingWebhook,
		Namespace:           ns,
		CARotateInterval:    l.caDuration,
		CAOverlapInterval:   l.caOverlap,
		CertRotateInterval:  l.certDuration,
		CertOverlapInterval: l.certOverlap,
	}
}

// estateOf says whether kubemacpool is installed in ns, and with which lifetimes.
func (o *owner) estateOf(ns *corev1.Namespace) (lifetimes, bool) {
	if ns.DeletionTimestamp != nil {
		return lifetimes{}, false
	}
	comps, labelled := ns.Labels[estateLabel]
	if ns.Name == o.cnvNamespace && o.cnvNamespace != "" {
		comps, labelled = o.cnvComponents, true
	}
	if !labelled || !hasComponent(comps, "kubemacpool") || hasComponent(ns.Annotations[annFail], "kubemacpool") {
		return lifetimes{}, false
	}
	// HCO's certConfig defaults, which the simulator's annotations default to as well.
	return lifetimes{
		caDuration:   annDuration(ns, annCADuration, 48*time.Hour),
		caOverlap:    annDuration(ns, annCARenewBefore, 24*time.Hour),
		certDuration: annDuration(ns, annServerDuration, 24*time.Hour),
		certOverlap:  annDuration(ns, annServerRenewBefore, 12*time.Hour),
	}, true
}

func hasComponent(list, name string) bool {
	for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == '.' || r == '_' }) {
		if p = strings.TrimSpace(p); p == name || p == "all" {
			return true
		}
	}
	return false
}

func annDuration(ns *corev1.Namespace, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(ns.Annotations[key]); err == nil && d > 0 {
		return d
	}
	return def
}

// suffixClient shows the manager its estate's webhook configuration under upstream's name: the
// one object it reads and writes by name that the simulator names differently.
type suffixClient struct {
	crclient.Client
	name, actual string
}

func (c suffixClient) isRenamed(obj crclient.Object) bool {
	_, ok := obj.(*admissionv1.MutatingWebhookConfiguration)
	return ok && c.name != c.actual
}

func (c suffixClient) Get(ctx context.Context, key crclient.ObjectKey, obj crclient.Object, opts ...crclient.GetOption) error {
	if c.isRenamed(obj) && key.Name == c.name {
		key.Name = c.actual
		defer obj.SetName(c.name)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func (c suffixClient) Update(ctx context.Context, obj crclient.Object, opts ...crclient.UpdateOption) error {
	if c.isRenamed(obj) && obj.GetName() == c.name {
		obj.SetName(c.actual)
		defer obj.SetName(c.name)
	}
	return c.Client.Update(ctx, obj, opts...)
}

// stderrLogger logs the managers' lines with -v.
func stderrLogger() logr.Logger {
	return logr.New(&lineSink{})
}

type lineSink struct {
	names  []string
	values []any
}

func (s *lineSink) Init(logr.RuntimeInfo)  {}
func (s *lineSink) Enabled(level int) bool { return level <= 0 }
func (s *lineSink) Info(_ int, msg string, kv ...any) {
	fmt.Fprintf(os.Stderr, "%s %s: %s %v\n", time.Now().UTC().Format(time.RFC3339Nano), strings.Join(s.names, "/"), msg, append(append([]any{}, s.values...), kv...))
}
func (s *lineSink) Error(err error, msg string, kv ...any) {
	s.Info(0, msg+": "+err.Error(), kv...)
}
func (s *lineSink) WithValues(kv ...any) logr.LogSink {
	return &lineSink{names: s.names, values: append(append([]any{}, s.values...), kv...)}
}
func (s *lineSink) WithName(name string) logr.LogSink {
	return &lineSink{names: append(append([]string{}, s.names...), name), values: s.values}
}
