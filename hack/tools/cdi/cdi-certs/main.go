// Command cdi-certs keeps CDI's certificates in the namespaces of the local test cluster with
// cdi-operator's own certificate code, so that `oc cnv certs` is tested against what that code
// writes, not against a second reading of it.
//
// What comes from kubevirt.io/containerized-data-importer (the version this module requires) and
// the openshift/library-go fork it pins:
//   - which Secrets and bundles exist, their names, labels, lifetimes and which service or user
//     each target is for: pkg/operator/resources/cert CreateCertificateDefinitions, given the
//     lifetimes as cdi-operator's getCertificateDefinitions passes a CDI CR's certConfig;
//   - everything about a certificate: pkg/operator/controller's certManager (NewCertManager,
//     Sync), that is the certConfig annotation and the forced refresh when it changes, and
//     library-go's RotatedSigningCASecret, CABundleConfigMap and RotatedSelfSignedCertKeySecret,
//     with their own re-issue triggers (certificate-not-after, the refresh period, an issuer no
//     longer in the bundle).
//
// What is this program's own, because upstream runs it inside cdi-operator's reconcile:
//   - when a reconcile runs: on a change to a Secret, ConfigMap or webhook configuration of the
//     estate (cdi-operator watches the objects it owns) and every few seconds (its perishables
//     resync), while the estate's cdi-operator Deployment has replicas;
//   - what the operator SDK's reconcile does before the certificates (controller-lifecycle-
//     operator-sdk reconciler.go ReconcileUpdate, then syncPerishables): create the Secrets and
//     bundles of the definitions when missing, with their labels (cr-manager.go adds them to the
//     resources), and give the webhook configurations that call cdi-api the cdi-apiserver signer
//     bundle as it is at that moment (pkg/operator/resources/cluster/apiserver.go,
//     GetAPIServerCABundle). A new signer therefore reaches the webhooks on the reconcile after
//     the one that made it, as on a real cluster.
//
// Where it acts is the KubeVirt simulator's convention (docs/simulator.md): the CNV namespace and
// every namespace labelled kubevirt-sim.oc-cnv.io/cnv whose components include cdi. A manager
// runs while the namespace's cdi-operator Deployment exists with replicas, as the real one runs
// in that Deployment's pod; scaled to 0 and back, it is a new manager, as a restarted pod is.
// Nothing runs while the namespace's kubevirt-sim.oc-cnv.io/fail annotation names cdi. The
// lifetimes come from the namespace's kubevirt-sim.oc-cnv.io/{ca,server}-{duration,renew-before}
// annotations, which play HCO's certConfig on the CDI CR.
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
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	cdicerts "kubevirt.io/containerized-data-importer/pkg/operator/resources/cert"
)

// The simulator's estate convention (test/kubevirt-sim/certowners/certowners.go).
const (
	estateLabel          = "kubevirt-sim.oc-cnv.io/cnv"
	estateOfLabel        = "kubevirt-sim.oc-cnv.io/estate"
	annFail              = "kubevirt-sim.oc-cnv.io/fail"
	annCADuration        = "kubevirt-sim.oc-cnv.io/ca-duration"
	annCARenewBefore     = "kubevirt-sim.oc-cnv.io/ca-renew-before"
	annServerDuration    = "kubevirt-sim.oc-cnv.io/server-duration"
	annServerRenewBefore = "kubevirt-sim.oc-cnv.io/server-renew-before"
	operatorDeployment   = "cdi-operator"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	cnvNamespace := flag.String("cnv-namespace", "openshift-cnv", "CNV namespace kept without a label (empty: only labelled namespaces)")
	cnvComponents := flag.String("certs-components", "all", "components installed in --cnv-namespace, as the simulator's flag of that name")
	interval := flag.Duration("interval", 5*time.Second, "resync period; changes to the estate's objects are reacted to at once")
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
	// cdi-operator's packages log through controller-runtime's logger; the failures that matter
	// come back as errors and are printed below.
	logf.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := &owner{c: c, cfg: cfg, cnvNamespace: *cnvNamespace, cnvComponents: *cnvComponents, interval: *interval, running: map[string]*running{}}
	o.run(ctx)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cdi-certs:", err)
	os.Exit(1)
}

func (o *owner) run(ctx context.Context) {
	f := informers.NewSharedInformerFactory(o.c, 10*time.Minute)
	nsInf := f.Core().V1().Namespaces().Informer()
	depInf := f.Apps().V1().Deployments().Informer()
	changed := make(chan struct{}, 1)
	converge := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	all := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { converge() },
		UpdateFunc: func(any, any) { converge() },
		DeleteFunc: func(any) { converge() },
	}
	_, _ = nsInf.AddEventHandler(all)
	_, _ = depInf.AddEventHandler(all)
	// What cdi-operator watches in its namespace: a change to one of them is a reconcile.
	byNamespace := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { o.kickObject(obj) },
		UpdateFunc: func(_, obj any) { o.kickObject(obj) },
		DeleteFunc: func(obj any) { o.kickObject(obj) },
	}
	_, _ = f.Core().V1().Secrets().Informer().AddEventHandler(byNamespace)
	_, _ = f.Core().V1().ConfigMaps().Informer().AddEventHandler(byNamespace)
	_, _ = f.Admissionregistration().V1().ValidatingWebhookConfigurations().Informer().AddEventHandler(byNamespace)
	_, _ = f.Admissionregistration().V1().MutatingWebhookConfigurations().Informer().AddEventHandler(byNamespace)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	for {
		o.converge(ctx, nsInf.GetStore(), depInf.GetStore())
		select {
		case <-ctx.Done():
			o.stopAll()
			return
		case <-changed:
		}
	}
}

type owner struct {
	c             kubernetes.Interface
	cfg           *rest.Config
	cnvNamespace  string
	cnvComponents string
	interval      time.Duration

	mu      sync.Mutex
	running map[string]*running
}

// running is one namespace's cdi-operator, as far as its certificates go.
type running struct {
	lifetimes lifetimes
	kick      chan struct{}
	cancel    context.CancelFunc
}

// converge starts an operator in every namespace that should have one and stops the others.
func (o *owner) converge(ctx context.Context, namespaces, deployments cache.Store) {
	want := map[string]lifetimes{}
	for _, obj := range namespaces.List() {
		ns := obj.(*corev1.Namespace)
		l, ok := o.estateOf(ns)
		if !ok {
			continue
		}
		d, exists, _ := deployments.GetByKey(ns.Name + "/" + operatorDeployment)
		if !exists {
			continue
		}
		if dep := d.(*appsv1.Deployment); dep.Spec.Replicas != nil && *dep.Spec.Replicas == 0 {
			continue
		}
		want[ns.Name] = l
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for ns, r := range o.running {
		if l, ok := want[ns]; !ok || l != r.lifetimes {
			r.cancel()
			delete(o.running, ns)
		}
	}
	for ns, l := range want {
		if _, ok := o.running[ns]; ok {
			continue
		}
		rctx, cancel := context.WithCancel(ctx)
		r := &running{lifetimes: l, kick: make(chan struct{}, 1), cancel: cancel}
		o.running[ns] = r
		go o.operate(rctx, ns, r)
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

// operate is one cdi-operator's reconcile loop for its certificates: the SDK's resources first,
// then cdi-operator's certificate manager; again on a change, on the resync period, and after
// an error with backoff, as controller-runtime requeues a failed request.
func (o *owner) operate(ctx context.Context, ns string, r *running) {
	cm, err := newCertManager(ctx, o.cfg, ns)
	if err != nil {
		if ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "cdi-certs: %s: %v\n", ns, err)
		}
		return
	}
	args := r.lifetimes.args(ns)
	backoff := 100 * time.Millisecond
	for {
		defs := cdicerts.CreateCertificateDefinitions(&args)
		err := o.ensureResources(ctx, ns, defs)
		if err == nil {
			err = cm.Sync(defs)
		}
		wait := o.interval
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !transient(err) {
				fmt.Fprintf(os.Stderr, "cdi-certs: %s: %v\n", ns, err)
			}
			wait, backoff = backoff, min(2*backoff, 10*time.Second)
		} else {
			backoff = 100 * time.Millisecond
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

// kickObject starts a reconcile of the estate the object belongs to: its namespace, or for a
// cluster-scoped webhook configuration the estate the simulator labelled it with.
func (o *owner) kickObject(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(interface {
		GetNamespace() string
		GetLabels() map[string]string
	})
	if !ok {
		return
	}
	ns := m.GetNamespace()
	if ns == "" {
		ns = m.GetLabels()[estateOfLabel]
	}
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

// lifetimes are what the estate's annotations say, as HCO puts them into the CDI CR's
// certConfig; a change of them is a new operator, as a changed CR is reconciled afresh.
type lifetimes struct {
	caDuration, caRenewBefore, serverDuration, serverRenewBefore time.Duration
}

// args is cdi-operator's getCertificateDefinitions for a CR whose certConfig sets all four.
func (l lifetimes) args(ns string) cdicerts.FactoryArgs {
	return cdicerts.FactoryArgs{
		Namespace:         ns,
		SignerDuration:    &l.caDuration,
		SignerRenewBefore: &l.caRenewBefore,
		TargetDuration:    &l.serverDuration,
		TargetRenewBefore: &l.serverRenewBefore,
	}
}

// estateOf says whether CDI is installed in ns, and with which lifetimes.
func (o *owner) estateOf(ns *corev1.Namespace) (lifetimes, bool) {
	if ns.DeletionTimestamp != nil {
		return lifetimes{}, false
	}
	comps, labelled := ns.Labels[estateLabel]
	if ns.Name == o.cnvNamespace && o.cnvNamespace != "" {
		comps, labelled = o.cnvComponents, true
	}
	if !labelled || !hasComponent(comps, "cdi") || hasComponent(ns.Annotations[annFail], "cdi") {
		return lifetimes{}, false
	}
	// HCO's certConfig defaults, which the simulator's annotations default to as well.
	return lifetimes{
		caDuration:        annDuration(ns, annCADuration, 48*time.Hour),
		caRenewBefore:     annDuration(ns, annCARenewBefore, 24*time.Hour),
		serverDuration:    annDuration(ns, annServerDuration, 24*time.Hour),
		serverRenewBefore: annDuration(ns, annServerRenewBefore, 12*time.Hour),
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
