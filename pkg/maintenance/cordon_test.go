package maintenance

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
)

func TestRequestCordonReleasesOnlyWhatItCordoned(t *testing.T) {
	ctx := context.Background()
	free := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "free"}}
	byAdmin := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "by-admin"}, Spec: corev1.NodeSpec{Unschedulable: true}}
	leftOver := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "left-over", Annotations: map[string]string{AnnotationCordonedForRequest: "x"}},
		Spec: corev1.NodeSpec{Unschedulable: true}}
	kube := kubefake.NewSimpleClientset(free, byAdmin, leftOver)
	c := Clients{Kube: kube}
	get := func(name string) *corev1.Node {
		n, err := kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	for name, wantMine := range map[string]bool{"free": true, "by-admin": false, "left-over": true} {
		mine, err := CordonForRequest(ctx, c, name, time.Now())
		if err != nil || mine != wantMine {
			t.Errorf("%s: mine=%t err=%v, want mine=%t", name, mine, err, wantMine)
		}
		if n := get(name); !n.Spec.Unschedulable {
			t.Errorf("%s is not cordoned", name)
		}
	}
	if _, ok := get("by-admin").Annotations[AnnotationCordonedForRequest]; ok {
		t.Errorf("a node cordoned by someone else was marked as the request's")
	}

	for name, wantReleased := range map[string]bool{"free": true, "by-admin": false, "left-over": true} {
		released, err := ReleaseRequestCordon(ctx, c, name)
		if err != nil || released != wantReleased {
			t.Errorf("release %s: released=%t err=%v, want %t", name, released, err, wantReleased)
		}
		n := get(name)
		if n.Spec.Unschedulable == wantReleased {
			t.Errorf("%s: unschedulable=%t after release", name, n.Spec.Unschedulable)
		}
		if _, ok := n.Annotations[AnnotationCordonedForRequest]; ok {
			t.Errorf("%s keeps the request's mark", name)
		}
	}
}

func TestPlanSaysWhereVMsCanGo(t *testing.T) {
	ready := corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}
	mk := func(name string, lbl map[string]string, taints ...corev1.Taint) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbl}, Spec: corev1.NodeSpec{Taints: taints}, Status: ready}
	}
	ok := map[string]string{LabelSchedulable: "true", "rack": "a"}
	left := map[string]*corev1.Node{
		"node-3":     mk("node-3", ok),
		"node-1":     mk("node-1", ok),
		"no-label":   mk("no-label", map[string]string{"rack": "a"}),
		"other-rack": mk("other-rack", map[string]string{LabelSchedulable: "true", "rack": "b"}),
		"tainted":    mk("tainted", ok, corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule}),
	}
	vmi := testVMI("vm-a", nil, corev1.ConditionTrue, "", "")
	vmi.Spec.NodeSelector = map[string]string{"rack": "a"}
	p := &Plan{Node: "node-2", VMIs: []VMIImpact{Classify(vmi, nil)}, vmis: []*kvv1.VirtualMachineInstance{vmi}}
	p.SetDestinations(left)
	// pkg/printers' TestRenderMaintenancePlanDestinations shows these.
	if got := strings.Join(p.Destinations, ", "); got != "node-1, node-3" || p.VMIs[0].Outcome != OutcomeRestart || !p.Leaving() {
		t.Fatalf("destinations %q, outcome %s", got, p.VMIs[0].Outcome)
	}
	p.SetDestinations(map[string]*corev1.Node{"tainted": left["tainted"]})
	if p.Destinations == nil || len(p.Destinations) != 0 {
		t.Fatalf("no destination: %#v, want empty and set", p.Destinations)
	}
}
