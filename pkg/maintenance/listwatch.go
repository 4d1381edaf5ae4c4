package maintenance

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
)

type listFunc func(context.Context, metav1.ListOptions) (runtime.Object, error)
type watchFunc func(context.Context, metav1.ListOptions) (watch.Interface, error)

// oneObjectListWatch lists and watches only the object called name. Informers and
// UntilWithSync built on it relist after a broken watch, which is how waits survive an API
// server restart without polling.
func oneObjectListWatch(name string, list listFunc, watchObj watchFunc) *cache.ListWatch {
	sel := fields.OneTermEqualSelector("metadata.name", name).String()
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = sel
			return list(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = sel
			return watchObj(ctx, o)
		},
	}
}

// DynamicObjectListWatch is oneObjectListWatch for a resource of the dynamic client. It is
// exported for the follower (pkg/maintenance/follow), which watches one NodeMaintenance the way
// stop waits for one to go.
func DynamicObjectListWatch(res dynamic.ResourceInterface, name string) *cache.ListWatch {
	return oneObjectListWatch(name, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return res.List(ctx, o)
	}, res.Watch)
}

// selectedListWatch lists and watches the objects matching a label selector ("" for all).
func selectedListWatch(selector string, list listFunc, watchObj watchFunc) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = selector
			return list(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = selector
			return watchObj(ctx, o)
		},
	}
}

// runInformer runs an informer whose every notification goes to fn until ctx ends. A
// tombstone (a delete the informer learned of only by relisting) is unwrapped, since fn only
// needs to know which object went away.
func runInformer(ctx context.Context, lw cache.ListerWatcher, objType runtime.Object, fn func(obj interface{}, deleted bool)) {
	_, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: lw,
		ObjectType:    objType,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj interface{}) { fn(obj, false) },
			UpdateFunc: func(_, n interface{}) { fn(n, false) },
			DeleteFunc: func(obj interface{}) {
				if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = d.Obj
				}
				fn(obj, true)
			},
		},
	})
	ctrl.RunWithContext(ctx)
}
