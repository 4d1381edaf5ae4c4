package start

import (
	"context"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// A multi-node request cordons all its nodes before the first maintenance is created, so that
// nothing evicted from one of them lands on another.
func TestSeveralNodesAreCordonedBeforeTheFirstMaintenance(t *testing.T) {
	fx := newFixture([]string{"n1", "n2", "n3"})
	log := fx.recordWrites()
	// --wait=false: the maintenances are created one after the other without following them.
	_, stderr, code := fx.run(t, "n1", "n2", "--wait=false", "--yes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	w := strings.Join(*log, ", ")
	if want := "patch nodes n1, patch nodes n2, create n1-maintenance, patch nodes n1, create n2-maintenance, patch nodes n2"; w != want {
		t.Fatalf("writes:\n%s\nwant:\n%s", w, want)
	}
	for _, n := range []string{"n1", "n2"} {
		node, _ := fx.kube.CoreV1().Nodes().Get(context.Background(), n, metav1.GetOptions{})
		if _, ok := node.Annotations[maintenance.AnnotationCordonedForRequest]; ok || !node.Spec.Unschedulable {
			t.Errorf("%s: unschedulable=%t annotations=%v; its maintenance holds the cordon, without the request's mark", n, node.Spec.Unschedulable, node.Annotations)
		}
	}
}

// A request refused part-way uncordons the nodes it cordoned whose maintenance did not start,
// and leaves alone a node that was cordoned before it ran.
func TestRefusedRequestReleasesUnstartedNodes(t *testing.T) {
	fx := newFixture([]string{"n1", "n2", "n3", "n4"})
	n3, _ := fx.kube.CoreV1().Nodes().Get(context.Background(), "n3", metav1.GetOptions{})
	n3.Spec.Unschedulable = true
	if _, err := fx.kube.CoreV1().Nodes().Update(context.Background(), n3, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	fx.dyn.PrependReactor("create", "nodemaintenances", func(a clienttesting.Action) (bool, runtime.Object, error) {
		obj := a.(clienttesting.CreateAction).GetObject().(interface{ GetName() string })
		if obj.GetName() == "n2-maintenance" {
			return true, nil, apierrors.NewBadRequest("admission webhook denied the request: no")
		}
		return false, nil, nil
	})
	stdout, stderr, code := fx.run(t, "n1", "n2", "n3", "--wait=false", "--yes")
	if code == 0 {
		t.Fatalf("exit 0; want the refusal\n%s", stderr)
	}
	if !strings.Contains(stdout, "Uncordoned n2 again: their maintenance did not start.\n") {
		t.Errorf("stdout does not say what was released:\n%s", stdout)
	}
	get := func(n string) (bool, bool) {
		node, _ := fx.kube.CoreV1().Nodes().Get(context.Background(), n, metav1.GetOptions{})
		_, marked := node.Annotations[maintenance.AnnotationCordonedForRequest]
		return node.Spec.Unschedulable, marked
	}
	if u, m := get("n1"); !u || m {
		t.Errorf("n1 (in maintenance): unschedulable=%t marked=%t", u, m)
	}
	if u, m := get("n2"); u || m {
		t.Errorf("n2 (refused): unschedulable=%t marked=%t, want released", u, m)
	}
	if u, m := get("n3"); !u || m {
		t.Errorf("n3 (cordoned before): unschedulable=%t marked=%t, want left as it was", u, m)
	}
}

// recordWrites logs the node patches and NodeMaintenance creations in the order they are made
// (the fakes keep separate action logs).
func (fx *fixture) recordWrites() *[]string {
	var mu sync.Mutex
	log := &[]string{}
	add := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		*log = append(*log, s)
	}
	fx.kube.PrependReactor("patch", "nodes", func(a clienttesting.Action) (bool, runtime.Object, error) {
		add("patch nodes " + a.(clienttesting.PatchAction).GetName())
		return false, nil, nil
	})
	fx.dyn.PrependReactor("create", "nodemaintenances", func(a clienttesting.Action) (bool, runtime.Object, error) {
		add("create " + a.(clienttesting.CreateAction).GetObject().(interface{ GetName() string }).GetName())
		return false, nil, nil
	})
	return log
}
