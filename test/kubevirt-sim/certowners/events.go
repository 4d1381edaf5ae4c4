package certowners

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// The real owners are controllers: they react to watch events on the objects they own within
// milliseconds, and resync on a timer only as a safety net. events gives the simulated owners
// the same shape: a change to a Secret, ConfigMap, Deployment, DaemonSet, webhook configuration
// or Namespace marks its estate dirty, and the loop reconciles that estate at once. Only
// metadata is watched, so a cluster full of Secrets costs the simulator little memory.
type events struct {
	mu    sync.Mutex
	dirty map[string]bool
	kick  chan struct{}
	// namespaces is the namespaces' metadata, so events in namespaces that are no estate are
	// dropped without a request.
	namespaces cache.GenericLister
}

var watched = []schema.GroupVersionResource{
	{Version: "v1", Resource: "secrets"},
	{Version: "v1", Resource: "configmaps"},
	{Group: "apps", Version: "v1", Resource: "deployments"},
	{Group: "apps", Version: "v1", Resource: "daemonsets"},
	{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"},
	{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "mutatingwebhookconfigurations"},
}

var namespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// startEvents starts the informers and returns once their caches have synced.
func startEvents(ctx context.Context, mc metadata.Interface, mainNS string) *events {
	ev := &events{dirty: map[string]bool{}, kick: make(chan struct{}, 1)}
	f := metadatainformer.NewSharedInformerFactory(mc, 0)
	nsInf := f.ForResource(namespacesGVR)
	ev.namespaces = nsInf.Lister()
	_, _ = nsInf.Informer().AddEventHandler(ev.handler(func(m metav1.Object) string { return m.GetName() }))
	for _, gvr := range watched {
		_, _ = f.ForResource(gvr).Informer().AddEventHandler(ev.handler(func(m metav1.Object) string {
			if m.GetNamespace() != "" {
				return m.GetNamespace()
			}
			// Webhook configurations are cluster-scoped: a labelled one belongs to a test
			// estate, an unlabelled one to the main CNV namespace.
			if ns := m.GetLabels()[estateOf]; ns != "" {
				return ns
			}
			return mainNS
		}))
	}
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return ev
}

func (ev *events) handler(nsOf func(metav1.Object) string) cache.ResourceEventHandler {
	mark := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if m, ok := obj.(metav1.Object); ok {
			ev.mark(nsOf(m))
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { mark(obj) },
		UpdateFunc: func(_, obj any) { mark(obj) },
		DeleteFunc: mark,
	}
}

func (ev *events) mark(ns string) {
	if ns == "" {
		return
	}
	ev.mu.Lock()
	ev.dirty[ns] = true
	ev.mu.Unlock()
	select {
	case ev.kick <- struct{}{}:
	default:
	}
}

// take returns the dirty namespaces and forgets them. A short pause first lets a burst of
// events (a client annotating eight Secrets in a row) become one reconcile.
func (ev *events) take(ctx context.Context) []string {
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Millisecond):
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	out := make([]string, 0, len(ev.dirty))
	for ns := range ev.dirty {
		out = append(out, ns)
	}
	clear(ev.dirty)
	return out
}

// namespace returns the Namespace as far as the owners need it (name, labels, annotations), or
// nil when it does not exist or is being deleted.
func (ev *events) namespace(name string) *corev1.Namespace {
	obj, err := ev.namespaces.Get(name)
	if err != nil {
		return nil
	}
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok || m.DeletionTimestamp != nil {
		return nil
	}
	return &corev1.Namespace{ObjectMeta: m.ObjectMeta}
}
