package drainmethod

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// A node whose --method=drain maintenance began keeps its cordon; only the request's mark goes
// (pkg/maintenance's TestRequestCordonReleasesOnlyWhatItCordoned has the rest).
func TestMarkNodeTakesOverTheRequestCordon(t *testing.T) {
	ctx := context.Background()
	kube := kubefake.NewSimpleClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "free"}})
	c := maintenance.Clients{Kube: kube}
	get := func(name string) *corev1.Node {
		n, err := kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	_, _ = maintenance.CordonForRequest(ctx, c, "free", time.Now())
	if err := MarkNode(ctx, c, "free", "r", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, ok := get("free").Annotations[maintenance.AnnotationCordonedForRequest]; ok {
		t.Errorf("MarkNode left the request's mark")
	}
	if released, _ := maintenance.ReleaseRequestCordon(ctx, c, "free"); released || !get("free").Spec.Unschedulable {
		t.Errorf("a node in maintenance was uncordoned")
	}
}
