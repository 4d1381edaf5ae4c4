// Package stop implements `oc cnv maintenance stop`.
package stop

import (
	"context"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/maintutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/drainmethod"
)

// DefaultTimeout bounds the wait for the operator to release a node; the operator normally
// needs seconds, so minutes mean it is not running or a finalizer is stuck.
const DefaultTimeout = 2 * time.Minute

// Options are the flags and arguments of `maintenance stop`.
type Options struct {
	Nodes             []string
	All               bool
	Wait              bool
	Timeout           time.Duration
	DryRun            bool
	CancelEvacuations bool

	factory *cmdutil.Factory
	streams genericiooptions.IOStreams
}

// NewCmdStop returns the `stop` command. runF, when not nil, is called with the completed and
// validated Options instead of Run, so that tests check the flags' mapping without a cluster.
func NewCmdStop(f *cmdutil.Factory, streams genericiooptions.IOStreams, runF func(*Options) error) *cobra.Command {
	o := &Options{Wait: true, Timeout: DefaultTimeout, factory: f, streams: streams}
	cmd := &cobra.Command{
		Use:   "stop NODE... | --all",
		Short: "End the maintenance of nodes",
		Long: heredoc.Doc(`
			End the maintenance of nodes: delete their NodeMaintenance (the operator then uncordons
			them and removes its taints), or undo what --method=drain did. By default it waits
			until each node is schedulable again.

			VMs that moved away during the maintenance stay where they are; they do not move back.
			Ending a maintenance does not stop KubeVirt from evacuating VMs it had marked: stop
			names the VMs still being evacuated off each node, and --cancel-evacuations cancels
			those evacuations once the node is released, as virtctl evacuate-cancel does (the
			mark is cleared) and deleting their migrations that are still Pending; migrations
			already running finish. With --cancel-evacuations a node that is no longer in
			maintenance is accepted, to cancel what a plain stop left running.

			--dry-run prints what stop would do and changes nothing.

			Before anything is changed it checks that you may end every maintenance named.

			Exit codes: 0 done, 2 bad input (such as a node that is not in maintenance),
			3 the node was not released within --timeout, 5 forbidden (nothing was changed).`),
		Example: heredoc.Doc(`
			  # End the maintenance of node02 and wait until it takes workloads again
			  oc cnv maintenance stop node02

			  # See what ending it would do, without changing anything
			  oc cnv maintenance stop node02 --dry-run

			  # End it and stop KubeVirt from moving away VMs it was still evacuating
			  oc cnv maintenance stop node02 --cancel-evacuations

			  # End every maintenance
			  oc cnv maintenance stop --all`),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().BoolVar(&o.All, "all", false, "End the maintenance of every node")
	cmd.Flags().BoolVar(&o.Wait, "wait", o.Wait, "Wait until the nodes are schedulable again")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "How long to wait for the nodes to be released before reporting what holds them")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "Print what stop would do (maintenances ended, nodes uncordoned, evacuations) and change nothing")
	cmd.Flags().BoolVar(&o.CancelEvacuations, "cancel-evacuations", false, "Once a node is released, cancel the evacuations KubeVirt still runs off it: clear the VMs' evacuation mark and delete their Pending evacuation migrations")
	cmd.ValidArgsFunction = completion.NodesInMaintenance(f)
	_ = cmd.RegisterFlagCompletionFunc("output", completion.Words("name"))
	return cmd
}

// Complete records the arguments.
func (o *Options) Complete(args []string) error {
	o.Nodes = args
	return nil
}

// Validate rejects bad input before any request.
func (o *Options) Validate() error {
	switch {
	case len(o.Nodes) == 0 && !o.All:
		return cmdutil.UsageErrorf("name at least one node, or use --all")
	case len(o.Nodes) > 0 && o.All:
		return cmdutil.UsageErrorf("give node names or --all, not both")
	case o.Timeout <= 0:
		return cmdutil.UsageErrorf("--timeout must be positive")
	case o.CancelEvacuations && !o.Wait && !o.DryRun:
		return cmdutil.UsageErrorf("--cancel-evacuations cancels the evacuations once each node is released, so it waits for that; drop --wait=false")
	}
	for _, n := range o.Nodes {
		if err := maintenance.CheckNodeName(n); err != nil {
			return cmdutil.WithCode(cmdutil.ExitUsage, err)
		}
	}
	return nil
}

// Run finds every node's maintenance first (so a bad name changes nothing), then ends them.
func (o *Options) Run(ctx context.Context) error {
	c, api, err := maintutil.ClientsAndOptionalAPI(o.factory)
	if err != nil {
		return err
	}
	targets, err := c.StopTargets(ctx, api, maintenance.StopRequest{Nodes: o.Nodes, All: o.All, CancelEvacuations: o.CancelEvacuations})
	if err != nil {
		return err
	}
	if o.All && len(targets) == 0 {
		fmt.Fprintln(o.streams.Out, "No nodes are in maintenance.")
		return nil
	}
	if o.DryRun {
		return o.printDryRun(targets)
	}

	if err := maintenance.CheckStopAccess(ctx, c, api, targets, o.CancelEvacuations); err != nil {
		return err
	}
	for _, t := range targets {
		switch {
		case t.EvacuationsOnly:
		case t.Maintenance != nil:
			if err := maintenance.DeleteMaintenance(ctx, c, *api, *t.Maintenance); err != nil {
				return err
			}
			fmt.Fprintf(o.streams.Out, "NodeMaintenance %s deleted for node %s.\n", t.Maintenance.Name, t.Node)
		default:
			if err := drainmethod.UnmarkNode(ctx, c, t.Node); err != nil {
				return fmt.Errorf("releasing node %s: %w", t.Node, err)
			}
			fmt.Fprintf(o.streams.Out, "Node %s uncordoned and its drain taint removed.\n", t.Node)
		}
	}
	if !o.Wait {
		for _, t := range targets {
			if err := o.reportEvacuations(t.Node, t.Evacuations); err != nil {
				return err
			}
		}
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	for _, t := range targets {
		if t.EvacuationsOnly {
			if err := o.afterRelease(ctx, c, t.Node); err != nil {
				return err
			}
			continue
		}
		if t.Maintenance != nil {
			if err := maintenance.WaitMaintenanceGone(wctx, c, *api, t.Maintenance.Name, t.Node); err != nil {
				return o.waitErr(ctx, err, t.Node)
			}
		}
		if err := maintenance.WaitNodeReleased(wctx, c, t.Node); err != nil {
			return o.waitErr(ctx, err, t.Node)
		}
		fmt.Fprintf(o.streams.Out, "Node %s is schedulable again. VMs that moved away during the maintenance stay on their new nodes; they do not move back.\n", t.Node)
		if err := o.afterRelease(ctx, c, t.Node); err != nil {
			return err
		}
	}
	return nil
}

func (o *Options) waitErr(ctx context.Context, err error, node string) error {
	if ctx.Err() != nil {
		return cmdutil.Errorf(cmdutil.ExitInterrupted, "stopped waiting; the maintenance of node %s is being removed", node)
	}
	return err
}
