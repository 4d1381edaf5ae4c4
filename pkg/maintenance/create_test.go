package maintenance

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestCreateTellsSameNodeFromNameTaken(t *testing.T) {
	existing := NewObject(testAPI, "n1-maintenance", "n1", "first")
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, existing)
	c := Clients{Dynamic: dyn}

	// The same node: someone else started it; the caller treats the node as in maintenance.
	_, err := Create(context.Background(), c, testAPI, "n1-maintenance", "n1", "", false)
	var already *AlreadyInMaintenanceError
	if !errors.As(err, &already) || already.Existing.Name != "n1-maintenance" || already.Existing.NodeName != "n1" || already.Existing.Reason != "first" {
		t.Fatalf("same node: got %v, want AlreadyInMaintenanceError for n1-maintenance", err)
	}

	// Another node's object holds the name: the --name advice, naming both nodes.
	_, err = Create(context.Background(), c, testAPI, "n1-maintenance", "n2", "", false)
	var taken *NameTakenError
	if !errors.As(err, &taken) {
		t.Fatalf("other node: got %v, want NameTakenError", err)
	}
	for _, want := range []string{`"n1-maintenance"`, "node n1, not n2", "--name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("other node: %q lacks %q", err, want)
		}
	}
}

// The operator's webhook refuses a second maintenance of a node under any name: losing that race
// also means the node is already in maintenance; any other refusal stays an error.
func TestCreateRefusedByWebhookForSameNode(t *testing.T) {
	existing := NewObject(testAPI, "console-made", "n1", "first")
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, existing)
	denied := apierrors.NewForbidden(testAPI.GVR.GroupResource(), "n1-maintenance",
		errors.New(`admission webhook "vnodemaintenance.kb.io" denied the request: a NodeMaintenance for node n1 already exists`))
	dyn.PrependReactor("create", "*", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, denied })
	c := Clients{Dynamic: dyn}

	_, err := Create(context.Background(), c, testAPI, "n1-maintenance", "n1", "", false)
	var already *AlreadyInMaintenanceError
	if !errors.As(err, &already) || already.Existing.Name != "console-made" {
		t.Fatalf("same node: got %v, want AlreadyInMaintenanceError for console-made", err)
	}
	_, err = Create(context.Background(), c, testAPI, "n2-maintenance", "n2", "", false)
	if errors.As(err, &already) || !apierrors.IsForbidden(err) {
		t.Fatalf("a node without maintenance: got %v, want the webhook's refusal", err)
	}
}

func TestCheckReason(t *testing.T) {
	cases := []struct {
		reason string
		given  bool
		want   string
	}{
		{"", false, ""},
		{"Replacing DIMM", true, ""},
		{strings.Repeat("é", MaxReasonLength), true, ""},
		{"", true, "--reason is empty"},
		{"   ", true, "--reason is empty"},
		{strings.Repeat("a", MaxReasonLength+1), true, "the limit is 1024 because the reason is shown in consoles"},
	}
	for _, tc := range cases {
		err := CheckReason(tc.reason, tc.given)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckReason(%.20q, %t) = %v, want nil", tc.reason, tc.given, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckReason(%.20q, %t) = %v, want %q", tc.reason, tc.given, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("CheckReason error is not one line: %q", err)
		}
	}
}

func TestCheckNodeName(t *testing.T) {
	for _, ok := range []string{"node02", "worker-1.example.com"} {
		if err := CheckNodeName(ok); err != nil {
			t.Errorf("CheckNodeName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Bad_Name", "-node", strings.Repeat("a", 254)} {
		err := CheckNodeName(bad)
		if err == nil || !strings.Contains(err.Error(), "is not a valid node name") {
			t.Errorf("CheckNodeName(%.20q) = %v, want 'is not a valid node name'", bad, err)
		}
	}
	if err := CheckNodeOrObjectName(""); err == nil || !strings.Contains(err.Error(), "is not a valid node or NodeMaintenance name: it is empty") {
		t.Errorf("CheckNodeOrObjectName(\"\") = %v", err)
	}
}
