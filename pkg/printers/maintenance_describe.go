package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// RenderMaintenanceDescription writes the description in kubectl describe's layout: aligned
// "Key: value" lines, indented sections, tables for lists. now makes ages deterministic in
// tests.
func RenderMaintenanceDescription(w io.Writer, d *maintenance.Description, now time.Time) error {
	tw := newTable(w)
	nm := d.Maintenance
	p := func(indent int, format string, a ...any) {
		fmt.Fprintf(tw, strings.Repeat("  ", indent)+format+"\n", a...)
	}
	if d.Method == maintenance.MethodDrain {
		p(0, "Name:\t<none> (drained by oc-cnv --method=drain)")
	} else {
		p(0, "Name:\t%s", nm.Name)
		p(0, "API:\t%s", d.API)
	}
	p(0, "Node:\t%s", nm.NodeName)
	p(0, "Reason:\t%s", orNone(nm.Reason))
	if nm.CreationTimestamp.IsZero() {
		p(0, "Started:\t<unknown>")
	} else {
		p(0, "Started:\t%s (%s ago)", nm.CreationTimestamp.UTC().Format(time.RFC3339), duration.HumanDuration(now.Sub(nm.CreationTimestamp)))
	}
	if nm.Deleting {
		p(0, "Deleting:\ttrue (finalizers: %s)", orNone(strings.Join(nm.Finalizers, ", ")))
	}
	p(0, "Status:")
	p(1, "Phase:\t%s", orWaiting(nm.Phase))
	if nm.DrainKnown {
		p(1, "Drain Progress:\t%d%%", nm.DrainProgress)
	} else {
		p(1, "Drain Progress:\t<unknown>")
	}
	pending := func() {
		if len(nm.PendingPods) == 0 {
			p(1, "Pending Pods:\t<none>")
			return
		}
		p(1, "Pending Pods:\t%s", nm.PendingPods[0])
		for _, pp := range nm.PendingPods[1:] {
			p(1, "\t%s", pp)
		}
	}
	switch {
	case d.Method == maintenance.MethodDrain:
	case !nm.PodCountsKnown:
		p(1, "Pods Evicted:\t<unknown>")
	default:
		evicted := max(nm.EvictionPods-int64(len(nm.PendingPods)), 0)
		p(1, "Pods Evicted:\t%d of %d (%d on the node at start)", evicted, nm.EvictionPods, nm.TotalPods)
	}
	pending()
	// For --method=drain these come from the node's record of the drain's last refusal.
	p(1, "Last Error:\t%s", orNone(maintenance.ExplainLastError(firstLine(nm.LastError))))
	if !nm.LastUpdate.IsZero() {
		p(1, "Last Update:\t%s", nm.LastUpdate.UTC().Format(time.RFC3339))
	}
	if nm.ErrorOnLeaseCount > 0 {
		p(1, "Lease Errors:\t%d", nm.ErrorOnLeaseCount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	renderNode(tw, d.Node, p)
	if err := tw.Flush(); err != nil {
		return err
	}

	vms := make([]string, 0, len(d.VMIs))
	for _, v := range d.VMIs {
		vms = append(vms, fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", v.Impact.Key(), orNone(string(v.Impact.Phase)), v.Impact.StrategyText(),
			migratableCell(v.Impact), migrationCell(v), outcomeText(v.Impact.Outcome)))
	}
	if err := renderSection(w, "VMs on the node", "NAME\tPHASE\tSTRATEGY\tMIGRATABLE\tMIGRATION\tDRAIN OUTCOME", vms); err != nil {
		return err
	}

	migrations := make([]string, 0, len(d.Migrations))
	for _, m := range d.Migrations {
		phase := orWaiting(m.Phase)
		if m.QueuePos > 0 {
			phase = maintenance.QueueText(m.QueuePos, m.QueueLen)
		}
		migrations = append(migrations, fmt.Sprintf("%s/%s\t%s\t%s\t%s\t%s", m.Namespace, m.Name, m.VMI, phase, orNone(m.Target),
			duration.HumanDuration(now.Sub(m.Created.Time))))
	}
	if err := renderSection(w, "Migrations in flight", "NAME\tVMI\tPHASE\tTARGET\tAGE", migrations); err != nil {
		return err
	}
	// Shown only when there are some: a drain behind such a migration does not move.
	var unschedulable []string
	for _, m := range d.Migrations {
		if m.Unschedulable != "" {
			unschedulable = append(unschedulable, fmt.Sprintf("%s/%s	%s	%s", m.Namespace, m.Name, m.TargetPod, m.Unschedulable))
		}
	}
	if len(unschedulable) > 0 {
		if err := renderSection(w, "Unschedulable migrations", "NAME\tTARGET POD\tSCHEDULER", unschedulable); err != nil {
			return err
		}
	}

	events := make([]string, 0, len(d.Events))
	for _, e := range d.Events {
		events = append(events, fmt.Sprintf("%s\t%s\t%s\t%s\t%s", e.Type, e.Reason, duration.HumanDuration(now.Sub(maintenance.EventTime(e).Time)),
			e.InvolvedObject.Kind+"/"+e.InvolvedObject.Name, strings.TrimSpace(firstLine(e.Message))))
	}
	return renderSection(w, "Events", "TYPE\tREASON\tAGE\tOBJECT\tMESSAGE", events)
}

// renderSection writes a titled table, its rows tab-separated; an empty one is "<none>" on the
// title's line, as kubectl describe shows it, rather than a header without rows.
func renderSection(w io.Writer, title, header string, rows []string) error {
	fmt.Fprintf(w, "%s:", title)
	if len(rows) == 0 {
		fmt.Fprintf(w, " <none>\n")
		return nil
	}
	fmt.Fprintln(w)
	t := newTable(w)
	fmt.Fprintln(t, "  "+header)
	for _, r := range rows {
		fmt.Fprintln(t, "  "+r)
	}
	return t.Flush()
}

func renderNode(tw io.Writer, n *corev1.Node, p func(int, string, ...any)) {
	if n == nil {
		p(0, "Node Status:\t<node not found>")
		return
	}
	p(0, "Node Status:")
	p(1, "Unschedulable:\t%t", n.Spec.Unschedulable)
	if len(n.Spec.Taints) == 0 {
		p(1, "Taints:\t<none>")
	} else {
		// Sorted, so the text does not depend on the order operators happened to add them.
		taints := append([]corev1.Taint(nil), n.Spec.Taints...)
		sort.Slice(taints, func(i, j int) bool { return taints[i].ToString() < taints[j].ToString() })
		for i, t := range taints {
			label := "Taints:"
			if i > 0 {
				label = ""
			}
			p(1, "%s\t%s", label, t.ToString())
		}
	}
	var conds []string
	for _, c := range n.Status.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s", c.Type, c.Status))
	}
	p(1, "Conditions:\t%s", orNone(strings.Join(conds, ", ")))
}

func migratableCell(v maintenance.VMIImpact) string {
	s := string(v.Migratable)
	if v.Migratable != corev1.ConditionTrue {
		if r := v.MigratableReason; r != "" {
			s += " (" + r + ")"
		}
	}
	return s
}

func migrationCell(v maintenance.DescribedVMI) string {
	if v.QueuePos > 0 {
		// A migration waiting its turn, whatever an earlier one left in the VMI's state.
		return maintenance.QueueText(v.QueuePos, v.QueueLen)
	}
	ms := v.MigrationState
	if ms == nil {
		return "<none>"
	}
	switch {
	case ms.Completed && !ms.Failed:
		return "completed to " + orNone(ms.TargetNode)
	case ms.Failed:
		if ms.FailureReason != "" {
			return "failed: " + ms.FailureReason
		}
		return "failed"
	case ms.TargetNode != "":
		return "to " + ms.TargetNode
	}
	return "pending"
}

func outcomeText(o maintenance.Outcome) string {
	switch o {
	case maintenance.OutcomeMigrate:
		return "live-migrate"
	case maintenance.OutcomeRestart:
		return "shut down, restart elsewhere"
	case maintenance.OutcomeShutdown:
		return "shut down, NOT restarted"
	case maintenance.OutcomeBlock:
		return "blocks the drain"
	case maintenance.OutcomeExternal:
		return "external controller"
	}
	return string(o)
}
