// Package describe implements `oc cnv maintenance describe`.
package describe

import (
	"context"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/maintutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// Options are the arguments of `maintenance describe`.
type Options struct {
	Target string

	factory *cmdutil.Factory
	streams genericiooptions.IOStreams
	now     func() time.Time
}

// NewCmdDescribe returns the `describe` command. runF, when not nil, is called with the
// validated Options instead of Run, so that tests check the arguments' mapping without a
// cluster.
func NewCmdDescribe(f *cmdutil.Factory, streams genericiooptions.IOStreams, runF func(*Options) error) *cobra.Command {
	o := &Options{factory: f, streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:   "describe NODE|NAME",
		Short: "Show the maintenance of a node in detail",
		Long: heredoc.Doc(`
			Show the maintenance of a node in detail: the NodeMaintenance (reason, phase, drain
			progress, pods still to evict, last error), the node (cordon, taints, conditions),
			every VM still on the node with its eviction strategy, whether it can live-migrate and
			its migration, the migrations in flight, and recent events.

			The argument is a node name or a NodeMaintenance name.`),
		Example: heredoc.Doc(`
			  oc cnv maintenance describe node02`),
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			o.Target = args[0]
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.Run(c.Context())
		},
		ValidArgsFunction: completion.NodesInMaintenance(f),
	}
	return cmd
}

// Validate rejects an argument that cannot name a node or a NodeMaintenance, before any request.
func (o *Options) Validate() error {
	if err := maintenance.CheckNodeOrObjectName(o.Target); err != nil {
		return cmdutil.WithCode(cmdutil.ExitUsage, err)
	}
	return nil
}

// Run gathers the status model, then renders it.
func (o *Options) Run(ctx context.Context) error {
	c, api, err := maintutil.ClientsAndOptionalAPI(o.factory)
	if err != nil {
		return err
	}
	d, err := maintenance.Describe(ctx, c, api, o.Target)
	if err != nil {
		return err
	}
	return printers.RenderMaintenanceDescription(o.streams.Out, d, o.now())
}
