package list

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// event is one informer notification: a NodeMaintenance or a node labelled by --method=drain.
type event struct {
	nm      *unstructured.Unstructured
	node    *corev1.Node
	deleted bool
}

// watch prints a row whenever a maintenance changes, like kubectl get --watch: one informer
// follows the NodeMaintenance objects (when the API is served) and one the nodes put into
// maintenance with --method=drain. Informers relist after a dropped watch or a restarted API
// server; the relist's notifications, like node heartbeats, reprint nothing because a row is
// printed only when it differs from the one last printed for the same maintenance.
func (o *Options) watch(ctx context.Context, c maintenance.Clients, api *maintenance.API, initial []maintenance.ListEntry, wide bool) error {
	// Start the columns at the widths typical values need, since rows arrive one by one.
	t := newRowTracker(&rowPrinter{out: o.streams.Out, widths: []int{28, 16, 9, 5, 5, 12, 5, 20, 10}}, wide, o.now)
	if !o.NoHeaders {
		if err := t.rp.print(maintenance.ListHeaders(wide)); err != nil {
			return err
		}
	}
	for _, e := range initial {
		if err := t.show(e); err != nil {
			return err
		}
	}

	events := make(chan event, 16)
	push := func(ev event) {
		select {
		case events <- ev:
		case <-ctx.Done():
		}
	}
	if api != nil {
		res := c.Dynamic.Resource(api.GVR)
		go runInformer(ctx, &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return res.List(ctx, opts)
			},
			WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return res.Watch(ctx, opts)
			},
		}, &unstructured.Unstructured{}, func(obj interface{}, deleted bool) {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				push(event{nm: u, deleted: deleted})
			}
		})
	}
	nodes := c.Kube.CoreV1().Nodes()
	sel := maintenance.DrainSelector()
	go runInformer(ctx, &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.LabelSelector = sel
			return nodes.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.LabelSelector = sel
			return nodes.Watch(ctx, opts)
		},
	}, &corev1.Node{}, func(obj interface{}, deleted bool) {
		if n, ok := obj.(*corev1.Node); ok {
			push(event{node: n, deleted: deleted})
		}
	})

	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				// Ctrl-C is how a watch ends: exit 130 as documented, with nothing more to say
				// since a watch changes nothing.
				return &cmdutil.Error{Code: cmdutil.ExitInterrupted, Err: errors.New(""), Bare: true}
			}
			return ctx.Err()
		case ev := <-events:
			if err := o.handle(ctx, c, t, ev); err != nil {
				if ctx.Err() != nil {
					continue
				}
				return err
			}
		}
	}
}

// runInformer runs an informer whose every notification goes to fn. Adds of the informer's
// initial list are passed on too: the row tracker drops those the list already printed and
// so shows what changed between the list and the informer's own first list.
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

// handle turns one event into at most one row.
func (o *Options) handle(ctx context.Context, c maintenance.Clients, t *rowTracker, ev event) error {
	if ev.nm != nil {
		e := maintenance.ListEntry{NodeMaintenance: maintenance.FromUnstructured(ev.nm), Method: maintenance.MethodOperator}
		if ev.deleted {
			return t.showDeleted(e)
		}
		if t.wide {
			if err := maintenance.AddVMs(ctx, c, &e); err != nil {
				return o.skip(ctx, e.NodeName, err)
			}
		}
		return t.show(e)
	}
	gone := maintenance.ListEntry{NodeMaintenance: maintenance.NodeMaintenance{NodeName: ev.node.Name}, Method: maintenance.MethodDrain}
	if ev.deleted {
		return t.showDeleted(gone)
	}
	e, ok, err := maintenance.DrainEntry(ctx, c, ev.node)
	switch {
	case !ok:
		// The informer's selector normally hides such a node, but a node whose label was
		// removed may still be reported as updated by a server that does not filter watches.
		return t.showDeleted(gone)
	case err != nil:
		return o.skip(ctx, ev.node.Name, err)
	}
	if t.wide {
		if err := maintenance.AddVMs(ctx, c, &e); err != nil {
			return o.skip(ctx, e.NodeName, err)
		}
	}
	return t.show(e)
}

// skip reports a failed read for one row and keeps watching: the next change of the object
// (for a node, at the latest its next heartbeat) renders the row again.
func (o *Options) skip(ctx context.Context, node string, err error) error {
	if ctx.Err() != nil {
		// The read failed because the watch is ending, not because of the cluster.
		return ctx.Err()
	}
	_, werr := fmt.Fprintf(o.streams.ErrOut, "warning: node %s: %v\n", node, err)
	return werr
}
