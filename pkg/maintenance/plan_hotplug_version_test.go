package maintenance

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

// A hotplug volume pod leaves with its VM only where virt-api refuses its eviction (KubeVirt
// v1.7.0 and later, or an unknown version); on older releases the drain evicts it like any
// other pod, and the plan counts it there (pkg/printers' TestRenderMaintenancePlanHotplugPods
// shows both).
func TestPlanPlacesHotplugPodsPerKubeVirtVersion(t *testing.T) {
	ctx := context.Background()
	vmi := testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", "")
	vmi.Status.ActivePods = map[types.UID]string{"launcher-a": "node-1"}
	pods := func() *kubefake.Clientset {
		ctrl := true
		return kubefake.NewSimpleClientset(
			pod("default", "virt-launcher-vm-a-x", "node-1", func(p *corev1.Pod) {
				p.Labels = map[string]string{"kubevirt.io": "virt-launcher"}
				p.UID = "launcher-a"
			}),
			pod("default", "hp-volume-x", "node-1", func(p *corev1.Pod) {
				p.Labels = map[string]string{"kubevirt.io": "hotplug-disk"}
				p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "virt-launcher-vm-a-x", UID: "launcher-a", Controller: &ctrl}}
			}))
	}
	withVM := `default/vm-a migrate: LiveMigrate, owned, runStrategy "", migratable True, hotplug [default/hp-volume-x]
other pods [], staying []
`
	asOther := `default/vm-a migrate: LiveMigrate, owned, runStrategy "", migratable True, hotplug []
other pods [default/hp-volume-x], staying []
`
	for _, c := range []struct{ version, want string }{
		{"v1.7.0", withVM},
		{"v1.8.4", withVM},
		{"", withVM},
		{"v1.6.0", asOther},
	} {
		cl := Clients{Kube: pods(), KubeVirt: kvfake.NewSimpleClientset(vmi.DeepCopy()), Dynamic: kubeVirtCRDynamic("openshift-cnv", c.version)}
		plan, err := BuildPlan(ctx, cl, "node-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := planFacts(plan); got != c.want {
			t.Errorf("KubeVirt %q:\n%s\nwant:\n%s", c.version, got, c.want)
		}
	}
}
