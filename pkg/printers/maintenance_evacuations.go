package printers

import (
	"fmt"
	"io"
	"strings"

	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// RenderEvacuations writes the VMs still being evacuated off the node under a title line.
func RenderEvacuations(w io.Writer, title string, evs []maintenance.Evacuation) error {
	fmt.Fprintln(w, title)
	tw := newTable(w)
	for _, e := range evs {
		fmt.Fprintf(tw, "  %s\t%s\n", e.Key(), evacuationState(e))
	}
	return tw.Flush()
}

// evacuationState says in a few words where one evacuation stands.
func evacuationState(e maintenance.Evacuation) string {
	var parts []string
	for _, m := range e.Migrations {
		s := "migration " + m.Name + " " + migrationPhaseText(m.Phase)
		if m.Target != "" {
			s += " to " + m.Target
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "marked for evacuation, no migration yet"
	}
	return strings.Join(parts, "; ")
}

// migrationPhaseText names the phase of a migration whose status KubeVirt has not written yet
// as the Pending it is in.
func migrationPhaseText(p kvv1.VirtualMachineInstanceMigrationPhase) string {
	if p == "" {
		return string(kvv1.MigrationPending)
	}
	return string(p)
}

// CancelEvacuationText says what cancelling one evacuation did (deleted: the migrations
// maintenance.CancelEvacuation deleted) or, with dryRun, would do.
func CancelEvacuationText(e maintenance.Evacuation, deleted []string, dryRun bool) string {
	var did []string
	if dryRun {
		deleted = e.PendingMigrations()
	}
	if e.Marked {
		did = append(did, pick(dryRun, "clear its mark", "mark cleared"))
	}
	if len(deleted) > 0 {
		list := strings.Join(deleted, ", ")
		did = append(did, pick(dryRun, "delete pending migration "+list, "pending migration "+list+" deleted"))
	}
	for _, m := range e.Migrations {
		if !m.Pending() {
			did = append(did, "migration "+m.Name+" is "+migrationPhaseText(m.Phase)+" and finishes")
		}
	}
	return fmt.Sprintf("%s %s: %s.", pick(dryRun, "Would cancel the evacuation of", "Cancelled the evacuation of"), e.Key(), strings.Join(did, "; "))
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
