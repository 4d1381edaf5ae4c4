package list

import (
	"context"
	"errors"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/maintutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// watch prints a row whenever a NodeMaintenance changes, like kubectl get --watch. It uses an
// informer so a dropped watch or a restarted API server is resumed by relisting. Rows for
// objects already printed by the list are skipped until they change.
func (o *Options) watch(ctx context.Context, c maintenance.Clients, api *maintenance.API, initial []maintenance.ListEntry, wide bool) error {
	// Start the columns at the widths typical values need, since rows arrive one by one.
	rp := &rowPrinter{out: o.streams.Out, widths: []int{28, 16, 9, 5, 5, 12, 5, 20, 10}}
	if !o.NoHeaders {
		if err := rp.print(maintenance.ListHeaders(wide)); err != nil {
			return err
		}
	}
	for _, e := range initial {
		if err := rp.print(maintenance.ListRow(e, wide, o.now())); err != nil {
			return err
		}
	}
	if api == nil {
		return maintutil.Exit(maintenance.NoAPIError{})
	}
	res := c.Dynamic.Resource(api.GVR)
	rows := make(chan maintenance.ListEntry, 16)
	push := func(obj interface{}, deleted bool) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		e := maintenance.ListEntry{NodeMaintenance: maintenance.FromUnstructured(u), Method: maintenance.MethodOperator}
		if deleted {
			e.Phase = "Deleted"
		}
		select {
		case rows <- e:
		case <-ctx.Done():
		}
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			return res.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return res.Watch(ctx, opts)
		},
	}
	_, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: lw,
		ObjectType:    &unstructured.Unstructured{},
		Handler: cache.ResourceEventHandlerDetailedFuncs{
			// Objects of the informer's initial list were already printed by the list itself.
			AddFunc: func(obj interface{}, initial bool) {
				if !initial {
					push(obj, false)
				}
			},
			UpdateFunc: func(_, n interface{}) { push(n, false) },
			DeleteFunc: func(obj interface{}) { push(obj, true) },
		},
	})
	go ctrl.RunWithContext(ctx)
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil
			}
			return ctx.Err()
		case e := <-rows:
			if err := rp.print(maintenance.ListRow(e, wide, o.now())); err != nil {
				return err
			}
		}
	}
}
