package maintenance

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

func TestExplainLastErrorNamesAnUnreachableVirtAPI(t *testing.T) {
	down := `error when evicting pods/"virt-launcher-a-x" -n "ns": Internal error occurred: failed calling webhook "virt-launcher-eviction-interceptor.kubevirt.io": failed to call webhook: connection refused`
	if got := explainLastError(down); !strings.HasPrefix(got, "virt-api unreachable: ") || !strings.HasSuffix(got, "("+down+")") {
		t.Errorf("explained: %q", got)
	}
	// Another webhook failing, or KubeVirt's 429s, are what they say.
	for _, msg := range []string{
		`Internal error occurred: failed calling webhook "validate.nodemaintenance.medik8s.io": connection refused`,
		`Cannot evict pod as it would violate the pod's disruption budget.`,
	} {
		if got := explainLastError(msg); got != msg {
			t.Errorf("%q explained as %q", msg, got)
		}
	}
}

func TestVirtAPIWarning(t *testing.T) {
	kv := &kvv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-cnv", Name: "kubevirt"}}
	pod := func(ready corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-cnv", Name: "virt-api-x", Labels: map[string]string{"kubevirt.io": "virt-api"}},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}}}
	}
	ctx := context.Background()
	if w := VirtAPIWarning(ctx, Clients{Kube: kubefake.NewSimpleClientset(pod(corev1.ConditionTrue)), KubeVirt: kvfake.NewSimpleClientset(kv)}); w != "" {
		t.Errorf("ready virt-api: %q", w)
	}
	if w := VirtAPIWarning(ctx, Clients{Kube: kubefake.NewSimpleClientset(pod(corev1.ConditionFalse)), KubeVirt: kvfake.NewSimpleClientset(kv)}); !strings.HasPrefix(w, "virt-api has no ready pod in namespace openshift-cnv") {
		t.Errorf("unready virt-api: %q", w)
	}
	if w := VirtAPIWarning(ctx, Clients{Kube: kubefake.NewSimpleClientset(), KubeVirt: kvfake.NewSimpleClientset()}); w != "" {
		t.Errorf("no KubeVirt: %q", w)
	}
}
