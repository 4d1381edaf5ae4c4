package framework

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"
)

// KubeVirtVersionAnnotation is the simulator's knob on the KubeVirt CR that makes it report,
// and behave as, another KubeVirt release (docs/simulator.md).
const KubeVirtVersionAnnotation = "kubevirt-sim.oc-cnv.io/kubevirt-version"

// KubeVirtCR returns the cluster's KubeVirt CR, in the CNV namespace.
func (e *Env) KubeVirtCR(t testing.TB) *virtv1.KubeVirt {
	t.Helper()
	list, err := e.KubeVirt.KubevirtV1().KubeVirts(e.CNVNamespace).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) == 0 {
		t.Fatalf("the cluster's KubeVirt CR in %s: %v (%d found)", e.CNVNamespace, err, len(list.Items))
	}
	return &list.Items[0]
}

// SetKubeVirtVersion makes the cluster report KubeVirt version v for the rest of the test, as
// virt-operator does after deploying it (status.observedKubeVirtVersion), and makes the
// simulator behave as that release. It returns once the status says so; the test's cleanup
// restores the cluster's own version. A test may call it again to switch releases. The CR is
// the cluster's: a test that calls this must not be parallel (Go runs the sequential tests
// before the parallel ones).
func (e *Env) SetKubeVirtVersion(t testing.TB, v string) {
	t.Helper()
	cr := e.KubeVirtCR(t)
	own := cr.Status.ObservedKubeVirtVersion
	_, again := cr.Annotations[KubeVirtVersionAnnotation] // a second call of the same test
	annotate := func(val any) {
		t.Helper()
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{KubeVirtVersionAnnotation: val}}})
		if _, err := e.KubeVirt.KubevirtV1().KubeVirts(cr.Namespace).Patch(context.Background(), cr.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("setting the simulated KubeVirt version: %v", err)
		}
	}
	reports := func(want string) {
		t.Helper()
		WaitFor(t, 30*time.Second, "the KubeVirt CR to report version "+want, func() (bool, error) {
			cur, err := e.KubeVirt.KubevirtV1().KubeVirts(cr.Namespace).Get(context.Background(), cr.Name, metav1.GetOptions{})
			return err == nil && cur.Status.ObservedKubeVirtVersion == want, err
		})
	}
	if !again {
		t.Cleanup(func() {
			annotate(nil)
			if own != "" {
				reports(own)
			}
		})
	}
	annotate(v)
	reports(v)
}
