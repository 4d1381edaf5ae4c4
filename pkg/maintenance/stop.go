package maintenance

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// NotInMaintenanceError: stop was asked for a node that is not in maintenance.
type NotInMaintenanceError struct{ Node string }

func (e *NotInMaintenanceError) Error() string {
	return fmt.Sprintf("node %s is not in maintenance", e.Node)
}

// StuckError: the maintenance did not go away within the timeout. It names what to check.
type StuckError struct {
	Node       string
	Name       string
	Finalizers []string
	NodeState  string
}

func (e *StuckError) Error() string {
	var b strings.Builder
	if e.Name != "" {
		fmt.Fprintf(&b, "NodeMaintenance %s for node %s is still being deleted", e.Name, e.Node)
		if len(e.Finalizers) > 0 {
			fmt.Fprintf(&b, " (finalizers: %s)", strings.Join(e.Finalizers, ", "))
		}
		b.WriteString("; check that the Node Maintenance Operator is running and read its log, it removes the finalizer after uncordoning the node")
	} else {
		fmt.Fprintf(&b, "node %s is still not schedulable: %s; check that the Node Maintenance Operator is running, or uncordon the node and remove its drain taint by hand", e.Node, e.NodeState)
	}
	return b.String()
}

// DeleteMaintenance deletes the NodeMaintenance; the operator then uncordons the node and
// removes its taints before dropping its finalizer.
func DeleteMaintenance(ctx context.Context, c Clients, api API, nm NodeMaintenance) error {
	err := c.Dynamic.Resource(api.GVR).Delete(ctx, nm.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting NodeMaintenance %s: %w", nm.Name, err)
	}
	return nil
}

// WaitMaintenanceGone watches the NodeMaintenance until it is gone. On ctx's deadline it
// returns a StuckError with the finalizers still holding it.
func WaitMaintenanceGone(ctx context.Context, c Clients, api API, name, node string) error {
	lw := DynamicObjectListWatch(c.Dynamic.Resource(api.GVR), name)
	var last *unstructured.Unstructured
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{},
		func(store cache.Store) (bool, error) {
			items := store.List()
			if len(items) == 0 {
				return true, nil
			}
			last = items[0].(*unstructured.Unstructured)
			return false, nil
		},
		func(ev watch.Event) (bool, error) {
			if u, ok := ev.Object.(*unstructured.Unstructured); ok {
				last = u
			}
			return ev.Type == watch.Deleted, nil
		})
	if err != nil && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		stuck := &StuckError{Node: node, Name: name}
		if last != nil {
			stuck.Finalizers = last.GetFinalizers()
		}
		return stuck
	}
	return err
}

// Released tells whether a node takes workloads again: not cordoned and without maintenance
// taints. It returns what still holds the node otherwise.
func Released(n *corev1.Node) (bool, string) {
	var held []string
	if n.Spec.Unschedulable {
		held = append(held, "cordoned (spec.unschedulable)")
	}
	for _, t := range MaintenanceTaints(n) {
		held = append(held, "taint "+t.Key+":"+string(t.Effect))
	}
	return len(held) == 0, strings.Join(held, ", ")
}

// WaitNodeReleased watches the node until Released. The node controller removes the
// unschedulable taint shortly after the uncordon, so both are awaited.
func WaitNodeReleased(ctx context.Context, c Clients, node string) error {
	nodes := c.Kube.CoreV1().Nodes()
	lw := oneObjectListWatch(node, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return nodes.List(ctx, o)
	}, nodes.Watch)
	state := ""
	check := func(obj interface{}) bool {
		n, ok := obj.(*corev1.Node)
		if !ok {
			return false
		}
		done, why := Released(n)
		state = why
		return done
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &corev1.Node{},
		func(store cache.Store) (bool, error) {
			// A node that no longer exists holds no workloads back: nothing to wait for.
			items := store.List()
			if len(items) == 0 {
				return true, nil
			}
			return check(items[0]), nil
		},
		func(ev watch.Event) (bool, error) {
			if ev.Type == watch.Deleted {
				return true, nil
			}
			return check(ev.Object), nil
		})
	if err != nil && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return &StuckError{Node: node, NodeState: state}
	}
	return err
}
