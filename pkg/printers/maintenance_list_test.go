package printers

import (
	"bytes"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

func TestRenderMaintenanceList(t *testing.T) {
	entries := []maintenance.ListEntry{
		{NodeMaintenance: maintenance.NodeMaintenance{Name: "node-1-maintenance", NodeName: "node-1", Phase: "Running", DrainProgress: 50,
			DrainKnown: true, PodCountsKnown: true, EvictionPods: 4, PendingPods: []string{"default/virt-launcher-rwo-x", "default/web"}, Reason: "DIMM", CreationTimestamp: t0,
			LastError: "Cannot evict pod as it would violate the pod's disruption budget.\nmore"}, Method: maintenance.MethodOperator,
			VMs: []string{"default/rwo", "default/vm-a"}},
		{NodeMaintenance: maintenance.NodeMaintenance{NodeName: "node-2", Phase: "Succeeded", DrainProgress: 100, DrainKnown: true, CreationTimestamp: t0.Add(-2 * time.Hour)}, Method: maintenance.MethodDrain},
	}
	var b bytes.Buffer
	if err := RenderMaintenanceList(&b, entries, false, true, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := `NAME                 NODE     PHASE       DRAIN   PODS   REASON   AGE
node-1-maintenance   node-1   Running     50%     2/4    DIMM     90s
<drain>              node-2   Succeeded   100%    -      <none>   121m
`
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := RenderMaintenanceList(&b, entries[:1], true, true, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	want = `NAME                 NODE     PHASE     DRAIN   PODS   REASON   AGE   LAST ERROR                                                          VMS
node-1-maintenance   node-1   Running   50%     2/4    DIMM     90s   Cannot evict pod as it would violate the pod's disruption budget.   default/rwo,default/vm-a
`
	if b.String() != want {
		t.Fatalf("wide table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	_ = RenderMaintenanceList(&b, nil, false, true, t0)
	if b.String() != "No nodes are in maintenance.\n" {
		t.Fatalf("empty list: %q", b.String())
	}
}
