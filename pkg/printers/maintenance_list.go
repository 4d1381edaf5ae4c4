package printers

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// MaintenanceListHeaders are the columns of `maintenance list`; wide adds the last two.
func MaintenanceListHeaders(wide bool) []string {
	h := []string{"NAME", "NODE", "PHASE", "DRAIN", "PODS", "REASON", "AGE"}
	if wide {
		h = append(h, "LAST ERROR", "VMS")
	}
	return h
}

// MaintenanceListRow renders one entry's cells.
func MaintenanceListRow(e maintenance.ListEntry, wide bool, now time.Time) []string {
	name := e.Name
	if e.Method == maintenance.MethodDrain {
		name = "<drain>"
	}
	age := "<unknown>"
	if !e.CreationTimestamp.IsZero() {
		age = duration.HumanDuration(now.Sub(e.CreationTimestamp))
	}
	evicted := e.EvictionPods - int64(len(e.PendingPods))
	if evicted < 0 {
		evicted = 0
	}
	// --method=drain keeps no pod counts on the node: only what is left is known.
	pods := podsText(evicted, e.EvictionPods, e.PodCountsKnown && e.Method != maintenance.MethodDrain)
	row := []string{name, e.NodeName, orWaiting(e.Phase), maintenance.PercentText(e.DrainProgress, e.DrainKnown), pods, orNone(e.Reason), age}
	if wide {
		vms := "<none>"
		if len(e.VMs) > 0 {
			vms = strings.Join(e.VMs, ",")
		}
		row = append(row, orNone(firstLine(e.LastError)), vms)
	}
	return row
}

// RenderMaintenanceList writes the aligned table, or the empty-state sentence.
func RenderMaintenanceList(w io.Writer, entries []maintenance.ListEntry, wide, headers bool, now time.Time) error {
	if len(entries) == 0 && headers {
		_, err := fmt.Fprintln(w, "No nodes are in maintenance.")
		return err
	}
	// Three blanks between columns, as kubectl get has them.
	tw := newSpacedTable(w, 0, 3)
	if headers {
		fmt.Fprintln(tw, strings.Join(MaintenanceListHeaders(wide), "\t"))
	}
	for _, e := range entries {
		fmt.Fprintln(tw, strings.Join(MaintenanceListRow(e, wide, now), "\t"))
	}
	return tw.Flush()
}
