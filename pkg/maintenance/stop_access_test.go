package maintenance

import (
	"context"
	"errors"
	"testing"

	authv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// stop asks for exactly the permissions its targets need, and names the one denied.
func TestCheckStopAccess(t *testing.T) {
	api := &API{GVR: schema.GroupVersionResource{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"}}
	allowed := map[string]bool{}
	var asked []string
	kube := kubefake.NewSimpleClientset()
	kube.PrependReactor("create", "selfsubjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		r := a.(clienttesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		key := r.Spec.ResourceAttributes.Verb + " " + r.Spec.ResourceAttributes.Resource
		asked = append(asked, key)
		r.Status.Allowed = allowed[key]
		return true, r, nil
	})
	c := Clients{Kube: kube}
	ctx := context.Background()
	operator := StopTarget{Node: "n1", Maintenance: &NodeMaintenance{Name: "n1-maintenance", NodeName: "n1"}}
	drained := StopTarget{Node: "n2"}
	both := []StopTarget{operator, drained}

	var fe *ForbiddenError
	err := CheckStopAccess(ctx, c, api, both, false)
	if !errors.As(err, &fe) || err.Error() != "you are not allowed to patch nodes" {
		t.Fatalf("operator and drain targets, nothing allowed: %v", err)
	}
	allowed["patch nodes"] = true
	err = CheckStopAccess(ctx, c, api, both, false)
	if !errors.As(err, &fe) || err.Error() != "you are not allowed to delete nodemaintenances.nodemaintenance.medik8s.io" {
		t.Fatalf("NodeMaintenances not allowed: %v", err)
	}
	allowed["delete nodemaintenances"] = true
	asked = nil
	if err := CheckStopAccess(ctx, c, api, []StopTarget{operator}, false); err != nil || len(asked) != 1 {
		t.Fatalf("operator targets only: %v, asked %v", err, asked)
	}
}
