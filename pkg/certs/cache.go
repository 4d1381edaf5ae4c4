package certs

import (
	"context"
	"fmt"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	admissioninformers "k8s.io/client-go/informers/admissionregistration/v1"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	admissionlisters "k8s.io/client-go/listers/admissionregistration/v1"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// cacheSyncTimeout bounds how long the wait tries to fill its caches before it falls back to
// reading the API server on every re-check.
const cacheSyncTimeout = 15 * time.Second

// cachedReader serves the wait of a rotation from informers: one list and one watch per kind
// and namespace, whatever the number of re-checks, and every change to a watched object wakes
// the waiters, so a re-issued certificate is noticed within milliseconds rather than at the
// next poll.
type cachedReader struct {
	namespaced map[string]*namespaceListers
	validating admissionlisters.ValidatingWebhookConfigurationLister
	mutating   admissionlisters.MutatingWebhookConfigurationLister

	mu      sync.Mutex
	changed chan struct{}
}

type namespaceListers struct {
	secrets     corelisters.SecretNamespaceLister
	configMaps  corelisters.ConfigMapNamespaceLister
	deployments appslisters.DeploymentNamespaceLister
	daemonSets  appslisters.DaemonSetNamespaceLister
}

// startCache starts informers for the namespaces and the webhook configurations, and returns
// once they hold the current state. It fails, and the caller reads the API server instead,
// when the user may not list or watch one of them or the caches do not fill in time. The
// informers run until ctx ends; after a failure the caller ends it at once, or they would go
// on retrying what the user may not do.
func startCache(ctx context.Context, c kubernetes.Interface, namespaces []string) (*cachedReader, error) {
	cr := &cachedReader{namespaced: map[string]*namespaceListers{}, changed: make(chan struct{})}
	var (
		errMu   sync.Mutex
		lastErr error
	)
	sctx, giveUp := context.WithTimeout(ctx, cacheSyncTimeout)
	defer giveUp()
	// Errors are kept instead of logged: a user without list or watch permission gets the
	// slower reads, not a screen of reflector errors, and gets them at once: a refusal is not
	// going to turn into a filled cache.
	onError := func(_ *cache.Reflector, err error) {
		errMu.Lock()
		lastErr = err
		errMu.Unlock()
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			giveUp()
		}
	}
	var synced []cache.InformerSynced
	watch := func(inf cache.SharedIndexInformer) {
		_ = inf.SetWatchErrorHandler(onError)
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { cr.wake() },
			UpdateFunc: func(any, any) { cr.wake() },
			DeleteFunc: func(any) { cr.wake() },
		})
		synced = append(synced, inf.HasSynced)
	}
	// Informers of exactly these kinds, not a SharedInformerFactory: the factory links the
	// informers of every API group into the binary.
	var informers []cache.SharedIndexInformer
	start := func(inf cache.SharedIndexInformer) cache.Indexer {
		watch(inf)
		informers = append(informers, inf)
		return inf.GetIndexer()
	}
	byNamespace := cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}
	for _, ns := range namespaces {
		if _, ok := cr.namespaced[ns]; ok {
			continue
		}
		cr.namespaced[ns] = &namespaceListers{
			secrets:     corelisters.NewSecretLister(start(coreinformers.NewSecretInformer(c, ns, 0, byNamespace))).Secrets(ns),
			configMaps:  corelisters.NewConfigMapLister(start(coreinformers.NewConfigMapInformer(c, ns, 0, byNamespace))).ConfigMaps(ns),
			deployments: appslisters.NewDeploymentLister(start(appsinformers.NewDeploymentInformer(c, ns, 0, byNamespace))).Deployments(ns),
			daemonSets:  appslisters.NewDaemonSetLister(start(appsinformers.NewDaemonSetInformer(c, ns, 0, byNamespace))).DaemonSets(ns),
		}
	}
	cr.validating = admissionlisters.NewValidatingWebhookConfigurationLister(start(admissioninformers.NewValidatingWebhookConfigurationInformer(c, 0, cache.Indexers{})))
	cr.mutating = admissionlisters.NewMutatingWebhookConfigurationLister(start(admissioninformers.NewMutatingWebhookConfigurationInformer(c, 0, cache.Indexers{})))

	for _, inf := range informers {
		go inf.Run(ctx.Done())
	}
	if !cache.WaitForCacheSync(sctx.Done(), synced...) {
		errMu.Lock()
		defer errMu.Unlock()
		if lastErr != nil {
			return nil, lastErr
		}
		return nil, fmt.Errorf("caches not filled within %s", cacheSyncTimeout)
	}
	return cr, nil
}

// wake tells every waiter that something changed.
func (cr *cachedReader) wake() {
	cr.mu.Lock()
	close(cr.changed)
	cr.changed = make(chan struct{})
	cr.mu.Unlock()
}

// next returns a channel closed at the next change. Taken before a check, it cannot miss a
// change that lands during the check.
func (cr *cachedReader) next() <-chan struct{} {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return cr.changed
}

func (cr *cachedReader) listers(ns string) (*namespaceListers, error) {
	l, ok := cr.namespaced[ns]
	if !ok {
		return nil, fmt.Errorf("namespace %s is not watched", ns)
	}
	return l, nil
}

// The objects returned are the cache's own: callers read them and never change them.

func (cr *cachedReader) secret(_ context.Context, ns, name string) (*corev1.Secret, error) {
	l, err := cr.listers(ns)
	if err != nil {
		return nil, err
	}
	return l.secrets.Get(name)
}

func (cr *cachedReader) configMap(_ context.Context, ns, name string) (*corev1.ConfigMap, error) {
	l, err := cr.listers(ns)
	if err != nil {
		return nil, err
	}
	return l.configMaps.Get(name)
}

func (cr *cachedReader) deployment(_ context.Context, ns, name string) (*appsv1.Deployment, error) {
	l, err := cr.listers(ns)
	if err != nil {
		return nil, err
	}
	return l.deployments.Get(name)
}

func (cr *cachedReader) daemonSet(_ context.Context, ns, name string) (*appsv1.DaemonSet, error) {
	l, err := cr.listers(ns)
	if err != nil {
		return nil, err
	}
	return l.daemonSets.Get(name)
}

func (cr *cachedReader) webhooks(_ context.Context, kind, name string) ([]admissionregistrationv1.WebhookClientConfig, error) {
	switch kind {
	case KindValidating:
		w, err := cr.validating.Get(name)
		if err != nil {
			return nil, err
		}
		return validatingConfigs(w), nil
	case KindMutating:
		w, err := cr.mutating.Get(name)
		if err != nil {
			return nil, err
		}
		return mutatingConfigs(w), nil
	}
	return nil, fmt.Errorf("%s is not a webhook configuration kind", kind)
}
