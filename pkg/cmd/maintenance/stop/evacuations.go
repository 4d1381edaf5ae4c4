package stop

import (
	"context"
	"fmt"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// afterRelease reads the node's evacuations once it is released (they may have moved on while
// the operator released it) and cancels or reports them.
func (o *Options) afterRelease(ctx context.Context, c maintenance.Clients, node string) error {
	evs, err := maintenance.Evacuations(ctx, c, node)
	if err != nil {
		return err
	}
	if !o.CancelEvacuations {
		return o.reportEvacuations(node, evs)
	}
	if len(evs) == 0 {
		fmt.Fprintf(o.streams.Out, "No VMs are being evacuated off node %s.\n", node)
		return nil
	}
	for _, e := range evs {
		deleted, err := maintenance.CancelEvacuation(ctx, c, node, e)
		if err != nil {
			return err
		}
		fmt.Fprintln(o.streams.Out, printers.CancelEvacuationText(e, deleted, false))
	}
	return nil
}

// reportEvacuations names the VMs KubeVirt goes on moving away and how to stop that.
func (o *Options) reportEvacuations(node string, evs []maintenance.Evacuation) error {
	if len(evs) == 0 {
		return nil
	}
	title := fmt.Sprintf("VMs still being evacuated off node %s (KubeVirt goes on moving them away; to stop that: %s maintenance stop %s --cancel-evacuations):",
		node, o.factory.Program.Display, node)
	return printers.RenderEvacuations(o.streams.Out, title, evs)
}

// printDryRun says what stop would do to each node, and changes nothing.
func (o *Options) printDryRun(targets []maintenance.StopTarget) error {
	out := o.streams.Out
	for _, t := range targets {
		switch {
		case t.EvacuationsOnly:
			fmt.Fprintf(out, "Node %s is not in maintenance; nothing to release.\n", t.Node)
		case t.Maintenance != nil:
			fmt.Fprintf(out, "Would delete NodeMaintenance %s for node %s; the Node Maintenance Operator then uncordons the node and removes its taints.\n", t.Maintenance.Name, t.Node)
		default:
			fmt.Fprintf(out, "Would uncordon node %s and remove its drain taint, label and annotations.\n", t.Node)
		}
		if len(t.Evacuations) == 0 {
			fmt.Fprintf(out, "No VMs are being evacuated off node %s.\n", t.Node)
			continue
		}
		if !o.CancelEvacuations {
			if err := o.reportEvacuations(t.Node, t.Evacuations); err != nil {
				return err
			}
			continue
		}
		if err := printers.RenderEvacuations(out, fmt.Sprintf("VMs still being evacuated off node %s:", t.Node), t.Evacuations); err != nil {
			return err
		}
		for _, e := range t.Evacuations {
			fmt.Fprintln(out, printers.CancelEvacuationText(e, nil, true))
		}
	}
	fmt.Fprintln(out, "(dry run: nothing was changed)")
	return nil
}
