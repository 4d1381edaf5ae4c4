package printers

import (
	"bytes"
	"strings"
	"testing"

	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// What stop shows of the VMs still being evacuated, and what cancelling each did or would do;
// pkg/maintenance's TestStopNamesAndCancelsEvacuations finds these and cancels them.
func TestRenderEvacuations(t *testing.T) {
	evs := []maintenance.Evacuation{
		{Namespace: "default", Name: "vm-marked", Marked: true},
		{Namespace: "default", Name: "vm-pending", Marked: true, Migrations: []maintenance.EvacuationMigration{
			{Name: "kubevirt-evacuation-bbbbb", Phase: kvv1.MigrationPending}}},
		{Namespace: "default", Name: "vm-running", Marked: true, Migrations: []maintenance.EvacuationMigration{
			{Name: "kubevirt-evacuation-aaaaa", Phase: kvv1.MigrationRunning, Target: "node-2"}}},
	}
	var b bytes.Buffer
	if err := RenderEvacuations(&b, "VMs still being evacuated off node node-1:", evs); err != nil {
		t.Fatal(err)
	}
	want := `VMs still being evacuated off node node-1:
  default/vm-marked   marked for evacuation, no migration yet
  default/vm-pending  migration kubevirt-evacuation-bbbbb Pending
  default/vm-running  migration kubevirt-evacuation-aaaaa Running to node-2
`
	if b.String() != want {
		t.Fatalf("evacuations:\n%s\nwant:\n%s", b.String(), want)
	}

	deleted := map[string][]string{"vm-pending": {"kubevirt-evacuation-bbbbb"}}
	var dry, done []string
	for _, e := range evs {
		dry = append(dry, CancelEvacuationText(e, nil, true))
		done = append(done, CancelEvacuationText(e, deleted[e.Name], false))
	}
	wantDry := `Would cancel the evacuation of default/vm-marked: clear its mark.
Would cancel the evacuation of default/vm-pending: clear its mark; delete pending migration kubevirt-evacuation-bbbbb.
Would cancel the evacuation of default/vm-running: clear its mark; migration kubevirt-evacuation-aaaaa is Running and finishes.`
	if got := strings.Join(dry, "\n"); got != wantDry {
		t.Errorf("dry run:\n%s\nwant:\n%s", got, wantDry)
	}
	wantDone := `Cancelled the evacuation of default/vm-marked: mark cleared.
Cancelled the evacuation of default/vm-pending: mark cleared; pending migration kubevirt-evacuation-bbbbb deleted.
Cancelled the evacuation of default/vm-running: mark cleared; migration kubevirt-evacuation-aaaaa is Running and finishes.`
	if got := strings.Join(done, "\n"); got != wantDone {
		t.Errorf("cancel:\n%s\nwant:\n%s", got, wantDone)
	}
}
