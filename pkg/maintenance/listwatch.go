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

// dynamicObjectListWatch is oneObjectListWatch for a resource of the dynamic client.
func dynamicObjectListWatch(res dynamic.ResourceInterface, name string) *cache.ListWatch {
	return oneObjectListWatch(name, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return res.List(ctx, o)
	}, res.Watch)
}
