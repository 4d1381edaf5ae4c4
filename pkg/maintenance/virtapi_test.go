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
	if got := ExplainLastError(down); !strings.HasPrefix(got, "virt-api unreachable: ") || !strings.HasSuffix(got, "("+down+")") {
		t.Errorf("explained: %q", got)
	}
	// Another webhook failing, or KubeVirt's 429s, are what they say.
	for _, msg := range []string{
		`Internal error occurred: failed calling webhook "validate.nodemaintenance.medik8s.io": connection refused`,
		`Cannot evict pod as it would violate the pod's disruption budget.`,
	} {
		if got := ExplainLastError(msg); got != msg {
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

// The warning follows the version the KubeVirt CR reports: the webhook fails closed from
// v1.5.0, open before; an unknown version gets the current behaviour.
func TestVirtAPIWarningPerVersion(t *testing.T) {
	kv := &kvv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-cnv", Name: "kubevirt"}}
	ctx := context.Background()
	for _, c := range []struct{ version, want string }{
		{"v1.6.0", "virt-api has no ready pod in namespace openshift-cnv: the eviction webhook of KubeVirt v1.6.0 fails closed, " +
			"so VM pods cannot be evicted and the drain waits until virt-api is back"},
		{"v1.4.2", "virt-api has no ready pod in namespace openshift-cnv: the eviction webhook of KubeVirt v1.4.2 fails open, " +
			"so no VM is live-migrated: VMs with an eviction strategy wait, held by their PodDisruptionBudgets, until virt-api is back, " +
			"and the others are shut down as planned"},
		{"", "virt-api has no ready pod in namespace openshift-cnv: from KubeVirt v1.5.0 its eviction webhook fails closed, " +
			"so VM pods cannot be evicted and the drain waits until virt-api is back"},
	} {
		cl := Clients{Kube: kubefake.NewSimpleClientset(), KubeVirt: kvfake.NewSimpleClientset(kv), Dynamic: kubeVirtCRDynamic("openshift-cnv", c.version)}
		if got := VirtAPIWarning(ctx, cl); got != c.want {
			t.Errorf("KubeVirt %q:\n got %q\nwant %q", c.version, got, c.want)
		}
	}
}
