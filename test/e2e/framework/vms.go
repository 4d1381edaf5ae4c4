package framework

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"
)

// Cordon sets or clears spec.unschedulable on the nodes, as `kubectl cordon|uncordon` does.
func (e *Env) Cordon(t testing.TB, names []string, cordon bool) {
	t.Helper()
	patch := []byte(fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, cordon))
	for _, n := range names {
		if _, err := e.Kube.CoreV1().Nodes().Patch(context.Background(), n, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("cordon %s=%t: %v", n, cordon, err)
		}
	}
	// The node lifecycle controller follows spec.unschedulable with the
	// node.kubernetes.io/unschedulable taint a moment later; a plan read before then would still
	// count an uncordoned node out.
	for _, n := range names {
		WaitFor(t, 30*time.Second, fmt.Sprintf("node %s's unschedulable taint to be %t", n, cordon), func() (bool, error) {
			node, err := e.Kube.CoreV1().Nodes().Get(context.Background(), n, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			tainted := false
			for _, taint := range node.Spec.Taints {
				tainted = tainted || taint.Key == corev1.TaintNodeUnschedulable
			}
			return tainted == cordon, nil
		})
	}
}

// WaitVMIRunning waits up to 90s until the VMI is Running and satisfies ok, and returns it.
func (e *Env) WaitVMIRunning(t testing.TB, ns, name string, ok func(*virtv1.VirtualMachineInstance) bool) *virtv1.VirtualMachineInstance {
	t.Helper()
	var vmi *virtv1.VirtualMachineInstance
	WaitFor(t, 90*time.Second, "VMI "+name+" running as expected", func() (bool, error) {
		var err error
		vmi, err = e.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return vmi.Status.Phase == virtv1.Running && ok(vmi), nil
	})
	return vmi
}
