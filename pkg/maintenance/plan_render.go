package maintenance

import (
	"fmt"
	"io"
	"strings"

	kvv1 "kubevirt.io/api/core/v1"
)

// RenderPlan writes the plan as the text confirmation an admin reads before a drain. Each
// group names its VMs so nobody has to guess which guests will be shut down.
func RenderPlan(w io.Writer, p *Plan) error {
	fmt.Fprintf(w, "Node %s:\n", p.Node)
	if len(p.VMIs) == 0 {
		fmt.Fprintf(w, "  No VMs run on this node.\n")
	}
	groups := []struct {
		outcome Outcome
		title   string
	}{
		{OutcomeMigrate, "Will live-migrate"},
		{OutcomeRestart, "Will be shut down and restarted elsewhere"},
		{OutcomeShutdown, "Will be shut down and NOT restarted"},
		{OutcomeExternal, "Will be handed to an external controller (evictionStrategy External)"},
		{OutcomeBlock, "Will block the drain"},
	}
	for _, g := range groups {
		vmis := p.With(g.outcome)
		if len(vmis) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s (%d):\n", g.title, len(vmis))
		tw := newTable(w)
		for _, v := range vmis {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", v.Key(), strategyText(v), impactNote(v))
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
			fmt.Fprintf(w, "  VMs can go to: no node (none outside this request is Ready, schedulable, labelled %s=true and accepted by these VMs)\n", LabelSchedulable)
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

func strategyText(v VMIImpact) string {
	s := string(v.Strategy)
	if v.StrategySource != SourceVMI {
		s += " (" + string(v.StrategySource) + ")"
	}
	return s
}

// impactNote gives the facts that explain the verdict, and the VM's hotplug volume pods.
func impactNote(v VMIImpact) string {
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
func verdictNote(v VMIImpact) string {
	switch v.Outcome {
	case OutcomeBlock:
		if v.NoPlace != "" {
			return v.NoPlace
		}
		return "not live-migratable: " + migratableText(v)
	case OutcomeRestart, OutcomeShutdown:
		var parts []string
		if v.Strategy == "LiveMigrateIfPossible" {
			parts = append(parts, "not live-migratable: "+migratableText(v))
		}
		if v.Outcome == OutcomeShutdown {
			parts = append(parts, notRestartedBecause(v))
		} else if v.NoPlace != "" {
			parts = append(parts, "it stays Pending until a node takes it: "+v.NoPlace)
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// notRestartedBecause names why a guest shut down by the drain stays off.
func notRestartedBecause(v VMIImpact) string {
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

func migratableText(v VMIImpact) string {
	switch {
	case v.MigratableReason != "" && v.MigratableMsg != "":
		return v.MigratableReason + ": " + v.MigratableMsg
	case v.MigratableReason != "":
		return v.MigratableReason
	case v.MigratableMsg != "":
		return v.MigratableMsg
	case v.Migratable == "Unknown":
		return "no LiveMigratable condition reported"
	}
	return "LiveMigratable=" + string(v.Migratable)
}

// BlockingError is returned when the plan has VMs that would block the drain and the user did
// not pass --force. Its text says why and how to fix it.
type BlockingError struct {
	Node     string
	Blocking []VMIImpact
}

func (e *BlockingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refusing to start maintenance on node %s: %d VM(s) would block the drain", e.Node, len(e.Blocking))
	for _, v := range e.Blocking {
		why := migratableText(v)
		if v.NoPlace != "" {
			why = v.NoPlace
		}
		fmt.Fprintf(&b, "\n  %s: evictionStrategy %s but %s", v.Key(), strategyText(v), why)
	}
	return b.String()
}

// Hint says how to get the VMs out of the way.
func (e *BlockingError) Hint() string {
	for _, v := range e.Blocking {
		if v.NoPlace != "" {
			return "give the VMs a node to go to (relax the nodeSelector, node affinity or tolerations that pin them, or make a matching node schedulable), " +
				"make the others live-migratable, stop them, or set their evictionStrategy to None; " +
				"or pass --force to start anyway (the drain then waits until they are gone)"
		}
	}
	return "make them live-migratable (e.g. ReadWriteMany storage), stop them, or set their evictionStrategy to LiveMigrateIfPossible or None; " +
		"or pass --force to start anyway (the drain then waits until they are gone)"
}
