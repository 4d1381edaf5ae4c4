package maintenance

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// ListChange is one notification of WatchList, turned into the entry of a list row.
type ListChange struct {
	Entry ListEntry
	// Deleted: the maintenance ended. A --method=drain node out of maintenance no longer
	// carries its reason and start time, so Entry then names only the node.
	Deleted bool
	// Err: reading the entry's pods or VMs failed, and Entry names only the node. The watch
	// goes on; the object's next change (for a node, its next heartbeat at the latest) is read
	// again.
	Err error
}

// watchEvent is one informer notification: a NodeMaintenance or a --method=drain node.
type watchEvent struct {
	nm      *unstructured.Unstructured
	node    *corev1.Node
	deleted bool
}

// WatchList calls fn for every notification about a maintenance until ctx ends (it then
// returns ctx's error) or fn fails: one informer follows the NodeMaintenance objects (when the
// API is served) and one the nodes labelled by --method=drain. Informers relist after a dropped
// watch or a restarted API server, and notify on every node heartbeat, so most notifications
// repeat what the caller has already shown: telling those apart is the caller's business.
// The informers' first lists are passed on too, which shows the caller what changed between
// its own list and the informers'.
func (c Clients) WatchList(ctx context.Context, api *API, wide bool, fn func(ListChange) error) error {
	events := make(chan watchEvent, 16)
	push := func(ev watchEvent) {
		select {
		case events <- ev:
		case <-ctx.Done():
		}
	}
	if api != nil {
		res := c.Dynamic.Resource(api.GVR)
		go runInformer(ctx, selectedListWatch("", func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return res.List(ctx, o)
		}, res.Watch), &unstructured.Unstructured{}, func(obj interface{}, deleted bool) {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				push(watchEvent{nm: u, deleted: deleted})
			}
		})
	}
	nodes := c.Kube.CoreV1().Nodes()
	go runInformer(ctx, selectedListWatch(DrainSelector(), func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return nodes.List(ctx, o)
	}, nodes.Watch), &corev1.Node{}, func(obj interface{}, deleted bool) {
		if n, ok := obj.(*corev1.Node); ok {
			push(watchEvent{node: n, deleted: deleted})
		}
	})

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-events:
			ch := c.listChange(ctx, ev, wide)
			if ch.Err != nil && ctx.Err() != nil {
				// The read failed because the watch is ending, not because of the cluster.
				continue
			}
			if err := fn(ch); err != nil && ctx.Err() == nil {
				return err
			}
		}
	}
}

// listChange reads what a row shows beyond the notified object: the pods a --method=drain
// node has left, and with wide the VMs on the node.
func (c Clients) listChange(ctx context.Context, ev watchEvent, wide bool) ListChange {
	if ev.nm != nil {
		e := ListEntry{NodeMaintenance: FromUnstructured(ev.nm), Method: MethodOperator}
		if ev.deleted {
			return ListChange{Entry: e, Deleted: true}
		}
		return c.withVMs(ctx, e, wide)
	}
	gone := ListEntry{NodeMaintenance: NodeMaintenance{NodeName: ev.node.Name}, Method: MethodDrain}
	if ev.deleted {
		return ListChange{Entry: gone, Deleted: true}
	}
	e, ok, err := DrainEntry(ctx, c, ev.node)
	switch {
	case !ok:
		// The informer's selector normally hides such a node, but a node whose label was
		// removed may still be reported as updated by a server that does not filter watches.
		return ListChange{Entry: gone, Deleted: true}
	case err != nil:
		return ListChange{Entry: gone, Err: err}
	}
	return c.withVMs(ctx, e, wide)
}

func (c Clients) withVMs(ctx context.Context, e ListEntry, wide bool) ListChange {
	if wide {
		if err := AddVMs(ctx, c, &e); err != nil {
			return ListChange{Entry: ListEntry{NodeMaintenance: NodeMaintenance{NodeName: e.NodeName}, Method: e.Method}, Err: err}
		}
	}
	return ListChange{Entry: e}
}
