package maintenance

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	kvv1 "kubevirt.io/api/core/v1"
	"kubevirt.io/client-go/kubevirt"
)

// DefaultComebackWait bounds how long start, once a node is in maintenance, waits for the VMs
// the drain shut down to run again elsewhere, so that its summary can say where each one is.
// A VirtualMachine restarts its VMI within seconds when it can; minutes mean it cannot.
const DefaultComebackWait = 2 * time.Minute

// Comeback is where a VM that the drain shut down runs again.
type Comeback struct {
	Namespace, Name string
	// Node is where it runs again; empty when it did not within the wait.
	Node string
	// NotOwned: no VirtualMachine owns it, so nothing starts it again.
	NotOwned bool
}

// WaitComebacks follows the shut-down VMs of a finished drain until their VirtualMachines run
// them again on another node, or until ctx ends, and says where each one is.
func WaitComebacks(ctx context.Context, kv kubevirt.Interface, node string, vms []VMProgress) []Comeback {
	out := make([]Comeback, 0, len(vms))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, v := range vms {
		if v.State != VMShutDown {
			continue
		}
		cb := Comeback{Namespace: v.Namespace, Name: v.Name, NotOwned: !v.OwnedByVM}
		out = append(out, cb)
		if cb.NotOwned {
			continue
		}
		i := len(out) - 1
		wg.Add(1)
		go func() {
			defer wg.Done()
			where := runningElsewhere(ctx, kv, v.Namespace, v.Name, node)
			mu.Lock()
			out[i].Node = where
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// runningElsewhere watches the VMI of that name until it runs on a node other than node.
func runningElsewhere(ctx context.Context, kv kubevirt.Interface, ns, name, node string) string {
	vmis := kv.KubevirtV1().VirtualMachineInstances(ns)
	sel := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = sel
			return vmis.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = sel
			return vmis.Watch(ctx, o)
		},
	}
	where := ""
	check := func(obj interface{}) bool {
		v, ok := obj.(*kvv1.VirtualMachineInstance)
		if !ok || v.Name != name || v.DeletionTimestamp != nil {
			return false
		}
		if v.Status.Phase == kvv1.Running && v.Status.NodeName != "" && v.Status.NodeName != node {
			where = v.Status.NodeName
			return true
		}
		return false
	}
	_, _ = watchtools.UntilWithSync(ctx, lw, &kvv1.VirtualMachineInstance{},
		func(store cache.Store) (bool, error) {
			for _, obj := range store.List() {
				if check(obj) {
					return true, nil
				}
			}
			return false, nil
		},
		func(ev watch.Event) (bool, error) {
			return ev.Type != watch.Deleted && check(ev.Object), nil
		})
	return where
}

// ComebackText is the summary's line for one shut-down VM.
func ComebackText(c Comeback, waited time.Duration) string {
	key := c.Namespace + "/" + c.Name
	switch {
	case c.NotOwned:
		return fmt.Sprintf("  VM %s was shut down; no VirtualMachine owns it, so nothing starts it again.", key)
	case c.Node != "":
		return fmt.Sprintf("  VM %s was shut down and runs again on %s.", key, c.Node)
	}
	return fmt.Sprintf("  VM %s was shut down and did not run again within %s; its VirtualMachine starts it per its run strategy.", key, Elapsed(waited))
}
