//go:build bench

package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oc-cnv/oc-cnv/test/apiproxy"
)

// benchPlanAndDescribe: the plan of maintenance start and describe of a node with nodeVMIs
// VMIs, first with only those VMIs in the cluster, then with totalVMIs: their request counts
// must not grow with the cluster (label selectors, not cluster-wide lists).
func benchPlanAndDescribe(t *testing.T, e *benchEnv, rep *report, nodeVMIs, totalVMIs int) {
	const node = "node-000000"
	proxy := apiproxy.New(t, e.cfg)
	kc := proxy.Kubeconfig(t)
	seedVMIs(t, e, "bench-vmis-here", node, 0, nodeVMIs)

	measure := func() (planReq, descReq int, planWall, descWall string) {
		proxy.Reset()
		p := mustRun(t, kc, e.bin, "maintenance", "start", node, "--dry-run=client")
		if got := strings.Count(p.stdout, "bench-vmis-here/"); got < nodeVMIs {
			t.Fatalf("the plan names %d of the node's %d VMs", got, nodeVMIs)
		}
		planReq, _, _ = proxy.Reset()
		nm := createNM(t, e, node)
		d := mustRun(t, kc, e.bin, "maintenance", "describe", node)
		descReq, _, _ = proxy.Reset()
		deleteNM(t, e, nm)
		return planReq, descReq, secs(p.wall), secs(d.wall)
	}
	p1, d1, _, _ := measure()
	// The rest of the cluster's VMIs, spread over the seeded nodes in ten namespaces.
	rest := totalVMIs - nodeVMIs
	for i := 0; i < 10; i++ {
		seedVMIs(t, e, fmt.Sprintf("bench-vmis-%d", i), benchNode(i), nodeVMIs+i*rest/10, rest/10)
	}
	p2, d2, pw, dw := measure()
	rep.add(fmt.Sprintf("`maintenance start --dry-run` plan of a node with %d VMIs: requests with %d vs %d VMIs in the cluster (wall at %d)", nodeVMIs, nodeVMIs, totalVMIs, totalVMIs),
		fmt.Sprintf("%d vs %d (%s)", p1, p2, pw), "—", "—", "independent of the cluster's VMIs", p1 == p2)
	rep.add(fmt.Sprintf("`maintenance describe` of that node: requests with %d vs %d VMIs (wall at %d)", nodeVMIs, totalVMIs, totalVMIs),
		fmt.Sprintf("%d vs %d (%s)", d1, d2, dw), "—", "—", "independent of the cluster's VMIs", d1 == d2)
}

func createNM(t *testing.T, e *benchEnv, node string) string {
	t.Helper()
	nm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "nodemaintenance.medik8s.io/v1beta1", "kind": "NodeMaintenance",
		"metadata": map[string]any{"name": node + "-maintenance"},
		"spec":     map[string]any{"nodeName": node, "reason": "bench"},
	}}
	if _, err := e.dyn.Resource(nmGVR).Create(context.Background(), nm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return nm.GetName()
}

func deleteNM(t *testing.T, e *benchEnv, name string) {
	t.Helper()
	if err := e.dyn.Resource(nmGVR).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}
