package maintenance

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
)

func served(gvs ...string) *kubefake.Clientset {
	c := kubefake.NewSimpleClientset()
	for _, gv := range gvs {
		c.Resources = append(c.Resources, &metav1.APIResourceList{GroupVersion: gv,
			APIResources: []metav1.APIResource{{Name: "nodemaintenances", Kind: "NodeMaintenance"}}})
	}
	// An unrelated resource in kubevirt.io/v1 must not be taken for NodeMaintenance.
	c.Resources = append(c.Resources, &metav1.APIResourceList{GroupVersion: "kubevirt.io/v1",
		APIResources: []metav1.APIResource{{Name: "virtualmachineinstances", Kind: "VirtualMachineInstance"}}})
	return c
}

func TestResolveAPIPrefersNewestGroup(t *testing.T) {
	cases := []struct {
		served []string
		want   string
	}{
		{[]string{"kubevirt.io/v1alpha1", "nodemaintenance.kubevirt.io/v1beta1", "nodemaintenance.medik8s.io/v1beta1"}, "nodemaintenance.medik8s.io/v1beta1"},
		{[]string{"kubevirt.io/v1alpha1", "nodemaintenance.kubevirt.io/v1beta1"}, "nodemaintenance.kubevirt.io/v1beta1"},
		{[]string{"kubevirt.io/v1alpha1"}, "kubevirt.io/v1alpha1"},
	}
	for _, tc := range cases {
		api, err := ResolveAPI(served(tc.served...).Discovery())
		if err != nil {
			t.Fatalf("%v: %v", tc.served, err)
		}
		if api.APIVersion() != tc.want || api.GVR.Resource != "nodemaintenances" || api.Kind != "NodeMaintenance" {
			t.Errorf("served %v: got %+v, want %s", tc.served, api, tc.want)
		}
	}
}

func TestResolveAPINoneServed(t *testing.T) {
	_, err := ResolveAPI(served().Discovery())
	if !errors.Is(err, ErrNoAPI) {
		t.Fatalf("err = %v, want ErrNoAPI", err)
	}
	var e NoAPIError
	if !errors.As(err, &e) || e.Hint() == "" {
		t.Fatalf("no hint on %v", err)
	}
}

func TestNodeMaintenanceViewReadsEveryField(t *testing.T) {
	u := NewObject(API{GVR: KnownAPIs()[1].WithResource(NodeMaintenanceResource), Kind: "NodeMaintenance"}, "n-maintenance", "n", "why")
	u.Object["status"] = map[string]interface{}{
		"phase": "Running", "drainProgress": int64(40), "totalpods": int64(5), "evictionPods": int64(4),
		"pendingPods": []interface{}{"a", "b"}, "lastError": "e", "lastUpdate": "2026-11-25T12:00:00Z", "errorOnLeaseCount": float64(2),
	}
	nm := FromUnstructured(u)
	if u.GetAPIVersion() != "nodemaintenance.kubevirt.io/v1beta1" || nm.NodeName != "n" || nm.Reason != "why" || nm.Phase != "Running" ||
		nm.DrainProgress != 40 || nm.TotalPods != 5 || nm.EvictionPods != 4 || len(nm.PendingPods) != 2 || nm.LastError != "e" ||
		nm.LastUpdate.IsZero() || nm.ErrorOnLeaseCount != 2 {
		t.Fatalf("view = %+v", nm)
	}
}
