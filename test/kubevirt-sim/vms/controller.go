package vms

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// loop is the work-queue half every simulated controller shares: keys go in from informer
// handlers, workers call sync, failures (typically update conflicts between controllers
// writing the same VMI) come back rate limited.
type loop struct {
	name  string
	queue workqueue.TypedRateLimitingInterface[string]
	sync  func(ctx context.Context, key string) error

	// What the health line reports (health.go): keys being synced since when, and how many
	// syncs ended.
	mu     sync.Mutex
	busy   map[string]time.Time
	synced atomic.Uint64
}

// syncTimeout bounds one sync, so a request that never answers cannot hold a worker (and with
// two workers, half the controller) for good; the key is retried like any failure.
const syncTimeout = time.Minute

func newLoop(name string, sync func(ctx context.Context, key string) error) *loop {
	q := workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name})
	return &loop{name: name, queue: q, sync: sync, busy: map[string]time.Time{}}
}

func (l *loop) add(key string)                       { l.queue.Add(key) }
func (l *loop) addAfter(key string, d time.Duration) { l.queue.AddAfter(key, d) }

// addObj enqueues the namespace/name key of an informer object (tombstones included).
func (l *loop) addObj(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		runtime.HandleError(err)
		return
	}
	l.queue.Add(key)
}

func (l *loop) run(ctx context.Context, workers int) {
	defer l.queue.ShutDown()
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, l.work, time.Second)
	}
	<-ctx.Done()
}

func (l *loop) work(ctx context.Context) {
	for {
		key, quit := l.queue.Get()
		if quit {
			return
		}
		err := l.syncOne(ctx, key)
		if err != nil {
			klog.V(2).Infof("%s: %s: %v (requeued)", l.name, key, err)
			l.queue.AddRateLimited(key)
		} else {
			l.queue.Forget(key)
		}
		l.queue.Done(key)
	}
}

func (l *loop) syncOne(ctx context.Context, key string) error {
	l.mu.Lock()
	l.busy[key] = time.Now()
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.busy, key)
		l.mu.Unlock()
		l.synced.Add(1)
	}()
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	return l.sync(ctx, key)
}

// handlerFor adapts "enqueue this object somewhere" to informer event handlers.
func handlerFor(enqueue func(obj interface{})) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
		DeleteFunc: enqueue,
	}
}

// unwrap returns the object inside a delete tombstone, or obj itself.
func unwrap(obj interface{}) interface{} {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
