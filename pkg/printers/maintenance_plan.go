package printers

import (
	"fmt"
	"io"
	"strings"

	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// RenderMaintenancePlan writes the plan as the text confirmation an admin reads before a
// drain. Each group names its VMs so nobody has to guess which guests will be shut down.
func RenderMaintenancePlan(w io.Writer, p *maintenance.Plan) error {
	fmt.Fprintf(w, "Node %s:\n", p.Node)
	if len(p.VMIs) == 0 {
		fmt.Fprintf(w, "  No VMs run on this node.\n")
	}
	groups := []struct {
		outcome maintenance.Outcome
		title   string
	}{
		{maintenance.OutcomeMigrate, "Will live-migrate"},
		{maintenance.OutcomeRestart, "Will be shut down and restarted elsewhere"},
		{maintenance.OutcomeShutdown, "Will be shut down and NOT restarted"},
		{maintenance.OutcomeExternal, "Will be handed to an external controller (evictionStrategy External)"},
		{maintenance.OutcomeBlock, "Will block the drain"},
	}
	for _, g := range groups {
		vmis := p.With(g.outcome)
		if len(vmis) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s (%d):\n", g.title, len(vmis))
		tw := newTable(w)
		for _, v := range vmis {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", v.Key(), v.StrategyText(), impactNote(v))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(p.Incoming) > 0 {
		fmt.Fprintf(w, "  Migrating into this node; the drain waits for them to finish (%d):\n", len(p.Incoming))
		tw := newTable(w)
		for _, v := range p.Incoming {
			fmt.Fprintf(tw, "    %s/%s\tfrom %s\n", v.Namespace, v.Name, v.Source)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if p.Destinations != nil && p.Leaving() {
		if len(p.Destinations) == 0 {
			fmt.Fprintf(w, "  VMs can go to: no node (none outside this request is Ready, schedulable, labelled %s=true and accepted by these VMs)\n", maintenance.LabelSchedulable)
		} else {
			fmt.Fprintf(w, "  VMs can go to: %s\n", strings.Join(p.Destinations, ", "))
		}
	}
	fmt.Fprintf(w, "  Other pods to evict: %d", len(p.OtherPods))
	if n := len(p.StayingPods); n > 0 {
		fmt.Fprintf(w, " (%d DaemonSet or static pods stay)", n)
	}
	fmt.Fprintln(w)
	return nil
}

// impactNote gives the facts that explain the verdict, and the VM's hotplug volume pods.
func impactNote(v maintenance.VMIImpact) string {
	note := verdictNote(v)
	if len(v.HotplugPods) > 0 {
		hp := "hotplug volume pods leave with it: " + strings.Join(podNames(v.HotplugPods), ", ")
		if note == "" {
			return hp
		}
		return note + "; " + hp
	}
	return note
}

// podNames drops the namespace: a VM's pods are in its own.
func podNames(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		_, out[i], _ = strings.Cut(k, "/")
	}
	return out
}

// verdictNote gives the one fact that explains the verdict.
func verdictNote(v maintenance.VMIImpact) string {
	switch v.Outcome {
	case maintenance.OutcomeBlock:
		if v.NoPlace != "" {
			return v.NoPlace
		}
		return "not live-migratable: " + v.MigratableText()
	case maintenance.OutcomeRestart, maintenance.OutcomeShutdown:
		var parts []string
		if v.Strategy == "LiveMigrateIfPossible" {
			parts = append(parts, "not live-migratable: "+v.MigratableText())
		}
		if v.Outcome == maintenance.OutcomeShutdown {
			parts = append(parts, notRestartedBecause(v))
		} else if v.NoPlace != "" {
			parts = append(parts, "it stays Pending until a node takes it: "+v.NoPlace)
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// notRestartedBecause names why a guest shut down by the drain stays off.
func notRestartedBecause(v maintenance.VMIImpact) string {
	switch {
	case !v.OwnedByVM:
		return "no VirtualMachine owns it"
	case v.RunStrategy == "":
		return "its VirtualMachine is gone"
	case v.RunStrategy == kvv1.RunStrategyRerunOnFailure:
		return "runStrategy RerunOnFailure does not rerun a guest that shut down cleanly"
	}
	return fmt.Sprintf("runStrategy %s does not restart it", v.RunStrategy)
}
