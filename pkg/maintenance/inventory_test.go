package maintenance

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

// inventoryFixture: n1 has a NodeMaintenance named by the console (not n1-maintenance), n2 was
// drained with --method=drain, n3 is merely cordoned by someone, n4 is free; n9 has a
// NodeMaintenance but no node any more.
func inventoryFixture() Clients {
	drained := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2", Labels: map[string]string{LabelMaintenance: string(MethodDrain)},
		Annotations: map[string]string{AnnotationReason: "psu"}}, Spec: corev1.NodeSpec{Unschedulable: true}}
	kube := kubefake.NewSimpleClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}},
		drained,
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n3"}, Spec: corev1.NodeSpec{Unschedulable: true}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n4"}},
	)
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"},
		NewObject(testAPI, "zz-last-by-name", "n9", "gone"),
		NewObject(testAPI, "console-made", "n1", "dimm"))
	return Clients{Kube: kube, Dynamic: dyn, KubeVirt: kvfake.NewSimpleClientset()}
}

func TestInventoryBothMethods(t *testing.T) {
	c := inventoryFixture()
	api := testAPI
	inv, err := c.Inventory(context.Background(), &api)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(inv.Nodes(), ","); got != "n1,n2,n9" {
		t.Errorf("Nodes() = %s, want n1,n2,n9 (a cordon alone is no maintenance)", got)
	}
	if nm, ok := inv.ForNode("n1"); !ok || nm.Name != "console-made" {
		t.Errorf("ForNode(n1) = %v, %v; want the object found by spec.nodeName", nm.Name, ok)
	}
	for node, want := range map[string]bool{"n1": true, "n2": true, "n3": false, "n4": false, "n9": true} {
		if got := inv.InMaintenance(node); got != want {
			t.Errorf("InMaintenance(%s) = %v, want %v", node, got, want)
		}
	}
	if !inv.IsDrained("n2") || inv.IsDrained("n1") {
		t.Errorf("IsDrained: n2 %v, n1 %v", inv.IsDrained("n2"), inv.IsDrained("n1"))
	}
	if len(inv.ObjectList.Items) != 2 {
		t.Errorf("ObjectList holds %d objects, want both as read", len(inv.ObjectList.Items))
	}

	// Without an API only the drained nodes count, and no NodeMaintenance is asked for.
	inv, err = c.Inventory(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(inv.Nodes(), ","); got != "n2" {
		t.Errorf("without an API Nodes() = %s, want n2", got)
	}
}

func stopTargetText(ts []StopTarget) string {
	var out []string
	for _, t := range ts {
		switch {
		case t.EvacuationsOnly:
			out = append(out, t.Node+":evacuations")
		case t.Maintenance != nil:
			out = append(out, t.Node+":"+t.Maintenance.Name)
		default:
			out = append(out, t.Node+":drain")
		}
	}
	return strings.Join(out, " ")
}

func TestStopTargets(t *testing.T) {
	c := inventoryFixture()
	api := testAPI
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  StopRequest
		want string
		err  string
	}{
		{name: "all, sorted by node", req: StopRequest{All: true}, want: "n1:console-made n2:drain n9:zz-last-by-name"},
		{name: "names in the order given", req: StopRequest{Nodes: []string{"n2", "n1"}}, want: "n2:drain n1:console-made"},
		{name: "a node whose object outlived it", req: StopRequest{Nodes: []string{"n9"}}, want: "n9:zz-last-by-name"},
		{name: "not in maintenance", req: StopRequest{Nodes: []string{"n1", "n4"}}, err: "node n4 is not in maintenance"},
		{name: "not in maintenance, evacuations to cancel", req: StopRequest{Nodes: []string{"n4"}, CancelEvacuations: true}, want: "n4:evacuations"},
		{name: "misspelt: suggested from the nodes in maintenance", req: StopRequest{Nodes: []string{"n"}}, err: `node "n" not found; did you mean "n1" or "n2" or "n9"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.StopTargets(ctx, &api, tc.req)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := stopTargetText(got); s != tc.want {
				t.Errorf("targets %q, want %q", s, tc.want)
			}
		})
	}

	var notIn *NotInMaintenanceError
	if _, err := c.StopTargets(ctx, nil, StopRequest{Nodes: []string{"n1"}}); !errors.As(err, &notIn) {
		t.Errorf("without an API n1's object is not seen: got %v, want NotInMaintenanceError", err)
	}
	empty := Clients{Kube: kubefake.NewSimpleClientset(), KubeVirt: kvfake.NewSimpleClientset()}
	if got, err := empty.StopTargets(ctx, nil, StopRequest{All: true}); err != nil || len(got) != 0 {
		t.Errorf("--all with nothing in maintenance: %v, %v; want no targets and no error", got, err)
	}
}
