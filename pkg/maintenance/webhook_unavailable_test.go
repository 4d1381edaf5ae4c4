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

// The API server refuses a NodeMaintenance whose admission webhook cannot be called (the
// operator is stopped or scaled to 0): Create names the operator, the webhook and the cause.
func TestCreateWebhookNotAnswering(t *testing.T) {
	cases := []struct {
		apiErr   error
		operator bool
		cause    string
	}{
		{apierrors.NewInternalError(errors.New(`failed calling webhook "vnodemaintenance.kb.io": failed to call webhook: Post "https://127.0.0.1:9443/validate?timeout=15s": dial tcp 127.0.0.1:9443: connect: connection refused`)),
			true, "dial tcp 127.0.0.1:9443: connect: connection refused"},
		{apierrors.NewInternalError(errors.New(`failed calling webhook "vnodemaintenance.kb.io": failed to call webhook: Post "https://svc.ns.svc:443/validate?timeout=15s": no endpoints available for service "node-maintenance-operator-webhook-service"`)),
			true, `no endpoints available for service "node-maintenance-operator-webhook-service"`},
		{apierrors.NewInternalError(errors.New(`failed calling webhook "policy.example.com": failed to call webhook: Post "https://policy/validate": context deadline exceeded`)),
			false, "context deadline exceeded"},
	}
	for _, tc := range cases {
		dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
			map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"})
		dyn.PrependReactor("create", "*", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tc.apiErr })
		_, err := Create(context.Background(), Clients{Dynamic: dyn}, testAPI, "n1-maintenance", "n1", "", false)
		var wu *WebhookUnavailableError
		if !errors.As(err, &wu) || wu.Cause != tc.cause || wu.operator() != tc.operator {
			t.Fatalf("got %#v (%v), want a WebhookUnavailableError with cause %q", wu, err, tc.cause)
		}
		msg := err.Error() + "; " + wu.Hint()
		for _, want := range []string{"cannot start the maintenance of node n1", "NodeMaintenance n1-maintenance was refused and nothing was changed", tc.cause} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q lacks %q", msg, want)
			}
		}
		if got := strings.Contains(msg, "the Node Maintenance Operator is not answering") && strings.Contains(msg, "--method=drain"); got != tc.operator {
			t.Errorf("operator wording %t, want %t: %q", got, tc.operator, msg)
		}
	}

	// Any other internal error stays as it was.
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"})
	dyn.PrependReactor("create", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(errors.New("etcdserver: request timed out"))
	})
	_, err := Create(context.Background(), Clients{Dynamic: dyn}, testAPI, "n1-maintenance", "n1", "", false)
	var wu *WebhookUnavailableError
	if errors.As(err, &wu) || !apierrors.IsInternalError(err) {
		t.Fatalf("got %v, want the API server's internal error", err)
	}
}
