// Package served makes the component pods of the simulated CNV estates answer TLS on their
// ports, so that a client which port-forwards to a pod through the real API server (as
// `oc cnv certs check --served` does) completes a handshake with what that pod would present.
//
// kwok's fake kubelet answers a pod's port-forward by dialling the target its PortForward object
// (kwok.x-k8s.io/v1alpha1, named as the pod) gives for the port. For each pod of a serving
// workload this package opens a TLS listener on 127.0.0.1 presenting the workload's Secret and
// points the pod's serving ports at it; virt-api's pods in the CNV namespace point at KubeVirt's
// real virt-api process instead. Every target is on 127.0.0.1: nothing leaves the loopback.
package served

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const (
	// estateLabel marks the namespaces the certificate owners serve besides the CNV namespace
	// (certowners' convention, docs/simulator.md).
	estateLabel = "kubevirt-sim.oc-cnv.io/cnv"
	// AnnReloads on a workload's pod template: "false" makes each pod serve the certificate its
	// Secret held when the pod was first seen, as a component that reads its certificate only
	// at start would; a new pod (rollout restart) serves the current one.
	AnnReloads = "kubevirt-sim.oc-cnv.io/reloads-certificates"
	// managedBy labels the PortForward objects this package writes.
	managedBy = "app.kubernetes.io/managed-by"
	managerID = "kubevirt-sim"
	loopback  = "127.0.0.1"
)

// PortForwardGVR is kwok's PortForward resource (sigs.k8s.io/kwok v0.7.0
// pkg/apis/v1alpha1/port_forward_types.go).
var PortForwardGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "portforwards"}

// workload is a component whose pods serve TLS with the certificate of one Secret of their
// namespace, on the container ports upstream serves it on.
type workload struct {
	labelKey, labelValue string
	secret               string
	ports                []int32
	// virtAPI: in the CNV namespace these pods are played by KubeVirt's real virt-api process.
	virtAPI bool
}

// workloads: which Secret each of the simulator's serving workloads mounts and serves, and its
// ports (test/kubevirt-sim/certowners/objects.go cites upstream's pod templates). virt-operator
// serves its webhooks (8444) and metrics (8443) with the same certificate.
var workloads = []workload{
	{labelKey: "kubevirt.io", labelValue: "virt-operator", secret: "kubevirt-operator-certs", ports: []int32{8443, 8444}},
	{labelKey: "kubevirt.io", labelValue: "virt-api", secret: "kubevirt-virt-api-certs", ports: []int32{8443}, virtAPI: true},
	{labelKey: "kubevirt.io", labelValue: "virt-exportproxy", secret: "kubevirt-exportproxy-certs", ports: []int32{8443}},
	{labelKey: "cdi.kubevirt.io", labelValue: "cdi-apiserver", secret: "cdi-apiserver-server-cert", ports: []int32{8443}},
	{labelKey: "cdi.kubevirt.io", labelValue: "cdi-uploadproxy", secret: "cdi-uploadproxy-server-cert", ports: []int32{8443}},
	{labelKey: "control-plane", labelValue: "mac-controller-manager", secret: "kubemacpool-service", ports: []int32{8000}},
	{labelKey: "kubevirt.io", labelValue: "virt-template-validator", secret: "virt-template-validator-certs", ports: []int32{8443}},
}

func workloadOf(pod *corev1.Pod) *workload {
	for i := range workloads {
		if w := &workloads[i]; pod.Labels[w.labelKey] == w.labelValue {
			return w
		}
	}
	return nil
}

// Options configure the served endpoints.
type Options struct {
	// Namespace is the CNV namespace (the certificate owners' --cnv-namespace).
	Namespace string
	// VirtAPIPort is where KubeVirt's real virt-api listens on 127.0.0.1; 0: no real virt-api,
	// its pods get a listener of their own like the other components.
	VirtAPIPort int
	// VolumeDelay is how long after the simulator sees a Secret change a reloading pod serves
	// it. A kubelet refreshes a pod's Secret volume at its next sync of the pod, up to a minute
	// and more after the write, never within the milliseconds an owner takes to write its next
	// object (a webhook's caBundle after the Secret); serving a write at once would open windows
	// no real pod has.
	VolumeDelay time.Duration
}

// AddFlags registers the flags of this package; the CNV namespace is certowners' flag.
func AddFlags(fs *pflag.FlagSet) *Options {
	o := &Options{}
	fs.DurationVar(&o.VolumeDelay, "served-volume-delay", time.Second, "how long after a Secret changes a reloading pod serves the change, as a kubelet's volume refresh lags the write")
	fs.IntVar(&o.VirtAPIPort, "virt-api-port", 0, "port of KubeVirt's real virt-api on 127.0.0.1, which port-forwards to the CNV namespace's virt-api pods reach (0: the simulator serves virt-api's Secret itself)")
	return o
}

// Run serves the component pods' endpoints until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, o *Options) error {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	s := newServer(c, dyn, o)
	return s.run(ctx)
}

type server struct {
	c     kubernetes.Interface
	dyn   dynamic.Interface
	opts  Options
	f     informers.SharedInformerFactory
	pods  corelisters.PodLister
	sec   corelisters.SecretLister
	nss   corelisters.NamespaceLister
	queue workqueue.TypedRateLimitingInterface[string]

	mu        sync.Mutex
	endpoints map[string]*endpoint // by pod namespace/name
	// forwarded is, by pod namespace/name, the pod UID and port its PortForward object was last
	// put for: a pod's status updates change neither, so they need no write.
	forwarded map[string]string
}

func newServer(c kubernetes.Interface, dyn dynamic.Interface, o *Options) *server {
	f := informers.NewSharedInformerFactory(c, 10*time.Minute)
	s := &server{
		c: c, dyn: dyn, opts: *o, f: f,
		pods: f.Core().V1().Pods().Lister(),
		sec:  f.Core().V1().Secrets().Lister(),
		nss:  f.Core().V1().Namespaces().Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "served"}),
		endpoints: map[string]*endpoint{},
		forwarded: map[string]string{},
	}
	enqueuePod := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if p, ok := obj.(*corev1.Pod); ok && workloadOf(p) != nil {
			s.queue.Add(p.Namespace + "/" + p.Name)
		}
	}
	_, _ = f.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueuePod, UpdateFunc: func(_, obj any) { enqueuePod(obj) }, DeleteFunc: enqueuePod,
	})
	// A namespace that becomes (or stops being) an estate changes whether its pods are served.
	nsChanged := func(obj any) {
		if ns, ok := obj.(*corev1.Namespace); ok {
			pods, _ := s.pods.Pods(ns.Name).List(labels.Everything())
			for _, p := range pods {
				enqueuePod(p)
			}
		}
	}
	_, _ = f.Core().V1().Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: nsChanged, UpdateFunc: func(_, obj any) { nsChanged(obj) },
	})
	// Listers are read at handshake time; the informer must run for them to fill.
	_ = f.Core().V1().Secrets().Informer()
	return s
}

func (s *server) run(ctx context.Context) error {
	defer s.queue.ShutDown()
	s.f.Start(ctx.Done())
	for typ, ok := range s.f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("cache of %v did not sync", typ)
		}
	}
	klog.Infof("served: serving the component pods of %q and of namespaces labelled %s (virt-api: %s)", s.opts.Namespace, estateLabel, s.virtAPIDesc())
	go func() {
		for s.next(ctx) {
		}
	}()
	<-ctx.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, ep := range s.endpoints {
		ep.close()
		delete(s.endpoints, key)
	}
	return nil
}

func (s *server) virtAPIDesc() string {
	if s.opts.VirtAPIPort == 0 {
		return "served by the simulator"
	}
	return "the real process on " + net.JoinHostPort(loopback, strconv.Itoa(s.opts.VirtAPIPort))
}

func (s *server) next(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.sync(sctx, key); err != nil {
		if ctx.Err() == nil {
			klog.Warningf("served: %s: %v (retrying)", key, err)
		}
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}

// served reports whether the namespace is one whose components the simulator plays.
func (s *server) served(ns string) bool {
	if ns == s.opts.Namespace {
		return true
	}
	n, err := s.nss.Get(ns)
	if err != nil || n.DeletionTimestamp != nil {
		return false
	}
	_, ok := n.Labels[estateLabel]
	return ok
}

func (s *server) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		// Keys are made from pods; a bad one will not get better with retries.
		klog.Errorf("served: %v", err)
		return nil
	}
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return s.teardown(ctx, key, "")
	}
	if err != nil {
		return err
	}
	w := workloadOf(pod)
	if w == nil || !s.served(ns) {
		return s.teardown(ctx, key, pod.UID)
	}
	if pod.DeletionTimestamp != nil {
		// A terminating pod goes on serving what it has until it is gone; it gets nothing new.
		return nil
	}
	target, err := s.ensureEndpoint(key, pod, w)
	if err != nil {
		return err
	}
	put := fmt.Sprintf("%s:%d", pod.UID, target)
	s.mu.Lock()
	done := s.forwarded[key] == put
	s.mu.Unlock()
	if done {
		return nil
	}
	if err := s.putPortForward(ctx, portForward(pod, w.ports, target)); err != nil {
		return err
	}
	s.mu.Lock()
	s.forwarded[key] = put
	s.mu.Unlock()
	return nil
}

// ensureEndpoint returns the port on 127.0.0.1 the pod's ports lead to, opening a listener for
// the pod when it has none (a pod of the same name but another UID is a new pod).
func (s *server) ensureEndpoint(key string, pod *corev1.Pod, w *workload) (int, error) {
	if w.virtAPI && pod.Namespace == s.opts.Namespace && s.opts.VirtAPIPort != 0 {
		return s.opts.VirtAPIPort, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep := s.endpoints[key]; ep != nil {
		if ep.uid == pod.UID {
			return ep.port, nil
		}
		ep.close()
		delete(s.endpoints, key)
	}
	reloads := pod.Annotations[AnnReloads] != "false"
	ep, err := listen(pod.UID, pod.Namespace, w.secret, s.sec, reloads, s.opts.VolumeDelay)
	if err != nil {
		return 0, err
	}
	s.endpoints[key] = ep
	mode := "the Secret's current certificate"
	if !reloads {
		mode = "the Secret's certificate when first seen (" + AnnReloads + "=false)"
		if serial := ep.snapshotSerial(); serial != "" {
			mode += ", serial " + serial
		}
	}
	klog.Infof("served: pod %s ports %v -> %s:%d: %s/%s, %s", key, w.ports, loopback, ep.port, pod.Namespace, w.secret, mode)
	return ep.port, nil
}

// teardown closes the pod's listener and removes its PortForward object (the garbage collector
// would too, through the owner reference, but kwok should stop forwarding at once). uid, when
// set, keeps an object owned by another pod of that name.
func (s *server) teardown(ctx context.Context, key string, uid types.UID) error {
	s.mu.Lock()
	ep := s.endpoints[key]
	delete(s.endpoints, key)
	delete(s.forwarded, key)
	s.mu.Unlock()
	if ep == nil {
		return nil
	}
	ep.close()
	klog.Infof("served: pod %s gone; its listener on %s:%d is closed", key, loopback, ep.port)
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pf, err := s.dyn.Resource(PortForwardGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if uid != "" && !ownedBy(pf, uid) {
		return nil
	}
	err = s.dyn.Resource(PortForwardGVR).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptrUID(pf.GetUID())}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func ptrUID(u types.UID) *types.UID { return &u }

func ownedBy(obj *unstructured.Unstructured, uid types.UID) bool {
	for _, o := range obj.GetOwnerReferences() {
		if o.UID == uid {
			return true
		}
	}
	return false
}

// portForward is the kwok PortForward object that sends the pod's serving ports to
// 127.0.0.1:target. It is owned by the pod, so it goes with it.
func portForward(pod *corev1.Pod, ports []int32, target int) *unstructured.Unstructured {
	ps := make([]any, len(ports))
	for i, p := range ports {
		ps[i] = int64(p)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": PortForwardGVR.GroupVersion().String(),
		"kind":       "PortForward",
		"spec": map[string]any{
			"forwards": []any{map[string]any{
				"ports":  ps,
				"target": map[string]any{"address": loopback, "port": int64(target)},
			}},
		},
	}}
	u.SetName(pod.Name)
	u.SetNamespace(pod.Namespace)
	u.SetLabels(map[string]string{managedBy: managerID})
	u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}})
	return u
}

// putPortForward creates the object or brings an existing one (left by an earlier run of the
// simulator, or by an earlier pod of that name) to want's spec and owner.
func (s *server) putPortForward(ctx context.Context, want *unstructured.Unstructured) error {
	api := s.dyn.Resource(PortForwardGVR).Namespace(want.GetNamespace())
	_, err := api.Create(ctx, want, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	cur, err := api.Get(ctx, want.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		// The garbage collector took the previous pod's object in between.
		_, err = api.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(cur.Object["spec"], want.Object["spec"]) &&
		equality.Semantic.DeepEqual(cur.GetOwnerReferences(), want.GetOwnerReferences()) {
		return nil
	}
	upd := cur.DeepCopy()
	upd.Object["spec"] = want.Object["spec"]
	upd.SetOwnerReferences(want.GetOwnerReferences())
	upd.SetLabels(want.GetLabels())
	_, err = api.Update(ctx, upd, metav1.UpdateOptions{})
	return err
}

// endpoint is one pod's TLS listener.
type endpoint struct {
	uid  types.UID
	port int
	srv  *http.Server

	ns, secret string
	sec        corelisters.SecretLister
	reloads    bool
	delay      time.Duration
	now        func() time.Time

	mu sync.Mutex
	// pending is a Secret's certificate not yet in the pod's volume, first seen at pendingSince.
	pending      *tls.Certificate
	pendingSince time.Time
	// snapshot is the certificate a non-reloading pod started with, and the last good one a
	// reloading pod served.
	snapshot *tls.Certificate
}

// listen opens a pod's listener on 127.0.0.1. It presents what the Secret's tls.crt holds, in
// order (leaf, then whatever chain the owner wrote there), as a component that loads the
// mounted files with crypto/tls does.
func listen(uid types.UID, ns, secret string, sec corelisters.SecretLister, reloads bool, delay time.Duration) (*endpoint, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return nil, err
	}
	ep := &endpoint{uid: uid, port: ln.Addr().(*net.TCPAddr).Port, ns: ns, secret: secret, sec: sec, reloads: reloads, delay: delay, now: time.Now}
	// The certificate the pod started with, whether or not it reloads: a pod holds what its
	// volume held when it started, not what the Secret holds when a client first connects.
	// When the Secret does not exist yet, the first one it holds (a real pod would wait for
	// its Secret volume).
	ep.snapshot, _ = ep.current()
	ep.srv = &http.Server{
		TLSConfig:         &tls.Config{GetCertificate: ep.getCertificate, MinVersion: tls.VersionTLS12},
		Handler:           http.HandlerFunc(notServed),
		ReadHeaderTimeout: 10 * time.Second,
		// Clients that only check the handshake hang up right after it; that is not news.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = ep.srv.ServeTLS(ln, "", "") }()
	return ep, nil
}

func notServed(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "kubevirt-sim serves this component's certificate only", http.StatusNotFound)
}

func (ep *endpoint) close() { _ = ep.srv.Close() }

func (ep *endpoint) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.reloads {
		// A Secret volume keeps the files it last had when the Secret is deleted (an owner
		// re-creating it, a rotation deleting it): the pod goes on serving them until the new
		// Secret arrives, so a missing or half-written Secret serves the last good one.
		crt, err := ep.current()
		switch {
		case err != nil && ep.snapshot == nil:
			return nil, err
		case err != nil:
		case ep.snapshot == nil || ep.delay <= 0:
			// A pod starts with what its volume holds.
			ep.snapshot = crt
		case sameCertificate(crt, ep.snapshot):
			ep.pending = nil
		case ep.pending == nil || !sameCertificate(crt, ep.pending):
			ep.pending, ep.pendingSince = crt, ep.now()
		case ep.now().Sub(ep.pendingSince) >= ep.delay:
			ep.snapshot, ep.pending = crt, nil
		}
		return ep.snapshot, nil
	}
	if ep.snapshot == nil {
		crt, err := ep.current()
		if err != nil {
			return nil, err
		}
		ep.snapshot = crt
	}
	return ep.snapshot, nil
}

func (ep *endpoint) snapshotSerial() string {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.snapshot == nil || ep.snapshot.Leaf == nil {
		return ""
	}
	return ep.snapshot.Leaf.SerialNumber.String()
}

func sameCertificate(a, b *tls.Certificate) bool {
	return bytes.Equal(a.Certificate[0], b.Certificate[0])
}

// current parses the Secret as it is now.
func (ep *endpoint) current() (*tls.Certificate, error) {
	s, err := ep.sec.Secrets(ep.ns).Get(ep.secret)
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", ep.ns, ep.secret, err)
	}
	return keyPair(s)
}

func keyPair(s *corev1.Secret) (*tls.Certificate, error) {
	crt, err := tls.X509KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	if len(crt.Certificate) == 0 {
		return nil, errors.New("no certificate")
	}
	if crt.Leaf == nil {
		if crt.Leaf, err = x509.ParseCertificate(crt.Certificate[0]); err != nil {
			return nil, err
		}
	}
	return &crt, nil
}
