// Package certowners is the simulator's stand-in for the operators that own the TLS
// certificates of OpenShift Virtualization: virt-operator (KubeVirt), cdi-operator (CDI, through
// openshift/library-go certrotation), kubemacpool's certificate manager (kube-admission-webhook)
// and OpenShift's service-ca (SSP's template validator). Each behaves as its real counterpart
// does towards `oc cnv certs`: the same object names, labels, annotations and data keys, the same
// triggers for re-issuing, CA bundles that keep the previous CA for an overlap, and nothing at
// all while its operator Deployment is scaled to 0. docs/simulator.md, "Certificate owners",
// says what is modelled and what is not.
package certowners

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// Labels and annotations through which tests describe an estate on its Namespace.
const (
	// EstateLabel marks a namespace the simulator manages; its value lists the components
	// ("all", or e.g. "kubevirt.cdi": label values cannot hold commas, so "." and "_" separate
	// them too).
	EstateLabel = "kubevirt-sim.oc-cnv.io/cnv"
	// Lifetimes, as Go durations; they play HCO's spec.certConfig. Defaults are HCO's:
	// CA 48h renewed 24h before expiry, servers 24h renewed 12h before.
	AnnCADuration        = "kubevirt-sim.oc-cnv.io/ca-duration"
	AnnCARenewBefore     = "kubevirt-sim.oc-cnv.io/ca-renew-before"
	AnnServerDuration    = "kubevirt-sim.oc-cnv.io/server-duration"
	AnnServerRenewBefore = "kubevirt-sim.oc-cnv.io/server-renew-before"
	// AnnFail lists components whose owner is broken: it neither issues nor re-issues anything,
	// like an operator stuck in a crash loop. "all" breaks every owner.
	AnnFail = "kubevirt-sim.oc-cnv.io/fail"
	// estateOf labels the cluster-scoped objects (webhook configurations) of an estate so they
	// are removed when its namespace goes.
	estateOf = "kubevirt-sim.oc-cnv.io/estate"
)

// Component names, as --components of `oc cnv certs rotate` spells them.
const (
	KubeVirt    = "kubevirt"
	CDI         = "cdi"
	KubeMacPool = "kubemacpool"
	SSP         = "ssp"
)

var allComponents = []string{KubeVirt, CDI, KubeMacPool, SSP}

// Options configure the certificate owners.
type Options struct {
	// Namespace is the CNV namespace managed without a label (created when missing); empty
	// disables it.
	Namespace string
	// Components are those installed in Namespace.
	Components string
	// Interval is how often every owner resyncs all estates. Changes are reacted to at once
	// (events.go); the resync catches certificates coming due for renewal.
	Interval time.Duration
	// RSA makes 2048-bit RSA keys as the real owners do, instead of faster ECDSA P-256 keys.
	RSA bool
	// ExternalKubeVirt leaves KubeVirt's Secrets and CA ConfigMaps to another process running
	// virt-operator's own code (hack/tools/kubevirt kubevirt-certs).
	ExternalKubeVirt bool
}

// AddFlags registers the owners' flags on fs.
func AddFlags(fs *pflag.FlagSet) *Options {
	o := &Options{}
	fs.StringVar(&o.Namespace, "cnv-namespace", "openshift-cnv", "CNV namespace whose certificate owners are simulated without a label, created when missing (empty: only labelled namespaces)")
	fs.StringVar(&o.Components, "certs-components", "all", "components installed in --cnv-namespace: all, or a comma list of kubevirt,cdi,kubemacpool,ssp")
	fs.DurationVar(&o.Interval, "certs-interval", time.Second, "how often the certificate owners resync every estate (changes are reacted to at once)")
	fs.BoolVar(&o.RSA, "certs-rsa", false, "issue RSA 2048 keys like the real owners (slower) instead of ECDSA P-256")
	fs.BoolVar(&o.ExternalKubeVirt, "kubevirt-certs-external", false, "leave KubeVirt's certificate Secrets and CA ConfigMaps to hack/tools/kubevirt's kubevirt-certs, which runs virt-operator's own code")
	return o
}

// Run reconciles until ctx is done.
func Run(ctx context.Context, cfg *rest.Config, o *Options) error {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	r := &reconciler{c: c, is: issuer{rsa: o.RSA}, ensured: map[string]bool{}, health: &health{}, externalKubeVirt: o.ExternalKubeVirt}
	go r.health.report(ctx)
	if o.Namespace != "" {
		if err := r.ensureNamespace(ctx, o.Namespace); err != nil {
			klog.ErrorS(err, "certowners: cannot create the CNV namespace", "namespace", o.Namespace)
		}
	}
	ev := startEvents(ctx, metadata.NewForConfigOrDie(cfg), o.Namespace)
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	r.tick(ctx, o)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			r.tick(ctx, o)
		case <-ev.kick:
			for _, ns := range ev.take(ctx) {
				if e := r.estateOf(ev.namespace(ns), o); e != nil {
					r.reconcile(ctx, e)
				}
			}
		}
	}
}

type reconciler struct {
	c  kubernetes.Interface
	is issuer
	// ensured remembers workloads already created, and services the Services, by
	// namespace/name; entries of namespaces that are gone are dropped each tick.
	ensured  map[string]bool
	services map[string]*corev1.Service
	// health is nil in unit tests, which drive tick and reconcile directly.
	health *health
	// externalKubeVirt: KubeVirt's Secrets and CA ConfigMaps are written by kubevirt-certs.
	externalKubeVirt bool
}

// estate is one namespace's CNV installation as the owners see it.
type estate struct {
	ns            string
	components    map[string]bool
	failing       map[string]bool
	caDuration    time.Duration
	caRenew       time.Duration
	serverDur     time.Duration
	serverRenew   time.Duration
	webhookSuffix string
}

func (r *reconciler) tick(ctx context.Context, o *Options) {
	var estates []*estate
	if r.health != nil {
		started := r.health.start("resync")
		defer func() { r.health.resynced(started, len(estates)) }()
	}
	live := map[string]bool{}
	if o.Namespace != "" {
		ns, err := r.c.CoreV1().Namespaces().Get(ctx, o.Namespace, metav1.GetOptions{})
		if err == nil {
			if e := r.estateOf(ns, o); e != nil {
				estates = append(estates, e)
			}
		}
	}
	list, err := r.c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: EstateLabel})
	if err != nil {
		if ctx.Err() == nil {
			klog.ErrorS(err, "certowners: listing estates")
		}
		return
	}
	for i := range list.Items {
		if e := r.estateOf(&list.Items[i], o); e != nil && list.Items[i].Name != o.Namespace {
			estates = append(estates, e)
		}
	}
	for _, e := range estates {
		live[e.ns] = true
		r.reconcile(ctx, e)
	}
	r.collectWebhooks(ctx, live)
	gone := func(key string) bool { return !live[strings.SplitN(key, "/", 2)[0]] }
	maps.DeleteFunc(r.ensured, func(k string, _ bool) bool { return gone(k) })
	maps.DeleteFunc(r.services, func(k string, _ *corev1.Service) bool { return gone(k) })
}

// estateOf is the estate ns holds, or nil when it holds none: the main CNV namespace, or one
// labelled EstateLabel, and not being deleted.
func (r *reconciler) estateOf(ns *corev1.Namespace, o *Options) *estate {
	if ns == nil || ns.DeletionTimestamp != nil {
		return nil
	}
	if ns.Name == o.Namespace {
		e := estateFrom(ns, o.Components)
		e.webhookSuffix = ""
		return e
	}
	comps, ok := ns.Labels[EstateLabel]
	if !ok {
		return nil
	}
	e := estateFrom(ns, comps)
	e.webhookSuffix = "-" + ns.Name
	return e
}

// reconcile runs every owner of the estate once.
func (r *reconciler) reconcile(ctx context.Context, e *estate) {
	if r.health != nil {
		r.health.start("reconcile " + e.ns)
		defer r.health.reconciled()
	}
	ctx, cancel := context.WithTimeout(ctx, reconcileTimeout)
	defer cancel()
	for _, comp := range allComponents {
		if !e.components[comp] || e.failing[comp] {
			continue
		}
		var err error
		switch comp {
		case KubeVirt:
			err = r.kubevirt(ctx, e)
		case CDI:
			err = r.cdi(ctx, e)
		case KubeMacPool:
			err = r.kubemacpool(ctx, e)
		case SSP:
			err = r.ssp(ctx, e)
		}
		// Conflicts and races with a deleting test are retried on the next event or tick, as
		// an operator's work queue would.
		if err != nil && ctx.Err() == nil && !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			klog.ErrorS(err, "certowners: reconcile", "namespace", e.ns, "component", comp)
		}
	}
}

func estateFrom(ns *corev1.Namespace, components string) *estate {
	e := &estate{
		ns:          ns.Name,
		components:  parseList(components),
		failing:     parseList(ns.Annotations[AnnFail]),
		caDuration:  annDuration(ns, AnnCADuration, 48*time.Hour),
		caRenew:     annDuration(ns, AnnCARenewBefore, 24*time.Hour),
		serverDur:   annDuration(ns, AnnServerDuration, 24*time.Hour),
		serverRenew: annDuration(ns, AnnServerRenewBefore, 12*time.Hour),
	}
	return e
}

func parseList(s string) map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '.' || r == '_' }) {
		p = strings.TrimSpace(p)
		if p == "all" {
			for _, c := range allComponents {
				m[c] = true
			}
		} else if p != "" {
			m[p] = true
		}
	}
	return m
}

func annDuration(ns *corev1.Namespace, key string, def time.Duration) time.Duration {
	v, ok := ns.Annotations[key]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		klog.InfoS("certowners: ignoring bad duration annotation", "namespace", ns.Name, "annotation", key, "value", v)
		return def
	}
	return d
}

// sortedKeys is for stable log output.
func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e *estate) String() string {
	return fmt.Sprintf("%s%v", e.ns, sortedKeys(e.components))
}
