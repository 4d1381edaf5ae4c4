package follow

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
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
	// RunStrategy is its VirtualMachine's; only Always starts a VM again after a shutdown
	// (RerunOnFailure only after a failure), so only those are waited for.
	RunStrategy kvv1.VirtualMachineRunStrategy
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
		out[i].RunStrategy = runStrategy(ctx, kv, v.Namespace, v.Name)
		if out[i].RunStrategy != kvv1.RunStrategyAlways {
			// Nothing to wait for; it may run again all the same (a failed VMI under
			// RerunOnFailure), so look once.
			if vmi, err := kv.KubevirtV1().VirtualMachineInstances(v.Namespace).Get(ctx, v.Name, metav1.GetOptions{}); err == nil &&
				vmi.Status.Phase == kvv1.Running && vmi.Status.NodeName != "" && vmi.Status.NodeName != node {
				out[i].Node = vmi.Status.NodeName
			}
			continue
		}
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

// runStrategy reads the VirtualMachine's run strategy; Always when it cannot be read, so that
// the VM is waited for rather than declared gone.
func runStrategy(ctx context.Context, kv kubevirt.Interface, ns, name string) kvv1.VirtualMachineRunStrategy {
	vm, err := kv.KubevirtV1().VirtualMachines(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return kvv1.RunStrategyAlways
	}
	rs, err := vm.RunStrategy()
	if err != nil {
		return kvv1.RunStrategyAlways
	}
	return rs
}

// runningElsewhere watches the VMI of that name until it runs on a node other than node, and
// lists again after a watch ends. It uses the plain list and watch rather than an informer,
// whose reflector logs its own cancellation as an error when the wait ends mid-request.
func runningElsewhere(ctx context.Context, kv kubevirt.Interface, ns, name, node string) string {
	vmis := kv.KubevirtV1().VirtualMachineInstances(ns)
	sel := fields.OneTermEqualSelector("metadata.name", name).String()
	where := func(obj runtime.Object) string {
		v, ok := obj.(*kvv1.VirtualMachineInstance)
		if !ok || v.Name != name || v.DeletionTimestamp != nil {
			return ""
		}
		if v.Status.Phase == kvv1.Running && v.Status.NodeName != "" && v.Status.NodeName != node {
			return v.Status.NodeName
		}
		return ""
	}
	for ctx.Err() == nil {
		list, err := vmis.List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err == nil {
			for i := range list.Items {
				if n := where(&list.Items[i]); n != "" {
					return n
				}
			}
			var w watch.Interface
			if w, err = vmis.Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: list.ResourceVersion}); err == nil {
				n := follow(ctx, w, where)
				w.Stop()
				if n != "" {
					return n
				}
				continue
			}
		}
		// The API server is unreachable or refused: try again shortly, within the wait.
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return ""
}

// follow reads the watch until where names a node, the watch ends, or ctx does.
func follow(ctx context.Context, w watch.Interface, where func(runtime.Object) string) string {
	for {
		select {
		case <-ctx.Done():
			return ""
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Error {
				return ""
			}
			if n := where(ev.Object); ev.Type != watch.Deleted && n != "" {
				return n
			}
		}
	}
}

// ComebackText is the summary's line for one shut-down VM.
func ComebackText(c Comeback, waited time.Duration) string {
	key := c.Namespace + "/" + c.Name
	switch {
	case c.NotOwned:
		return fmt.Sprintf("  VM %s was shut down; no VirtualMachine owns it, so nothing starts it again.", key)
	case c.Node != "":
		return fmt.Sprintf("  VM %s was shut down and runs again on %s.", key, c.Node)
	case c.RunStrategy != "" && c.RunStrategy != kvv1.RunStrategyAlways:
		return fmt.Sprintf("  VM %s was shut down and is not running again: its runStrategy %s does not start it after a shutdown.", key, c.RunStrategy)
	}
	return fmt.Sprintf("  VM %s was shut down and did not run again within %s; its VirtualMachine starts it per its run strategy.", key, Elapsed(waited))
}
