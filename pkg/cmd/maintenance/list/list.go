// Package list implements `oc cnv maintenance list`.
package list

import (
	"context"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/maintutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// Options are the flags of `maintenance list`.
type Options struct {
	PrintFlags *genericclioptions.PrintFlags
	Watch      bool
	NoHeaders  bool

	factory *cmdutil.Factory
	streams genericiooptions.IOStreams
	now     func() time.Time
}

// NewCmdList returns the `list` command. runF, when not nil, is called with the validated
// Options instead of Run, so that tests check the flags' mapping without a cluster.
func NewCmdList(f *cmdutil.Factory, streams genericiooptions.IOStreams, runF func(*Options) error) *cobra.Command {
	o := &Options{PrintFlags: genericclioptions.NewPrintFlags(""), factory: f, streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the nodes in maintenance",
		Long: heredoc.Doc(`
			List the nodes in maintenance, with the phase and progress of their drain. Nodes put
			into maintenance with --method=drain are listed with the name <drain>.

			PODS is evicted/total of the pods the drain evicts (DaemonSet pods stay and are not
			counted). -o wide adds the last error and the VMs still on each node.

			--watch then prints a row whenever a maintenance changes (a new AGE alone is no change),
			for NodeMaintenance objects and --method=drain nodes alike, and a last row with phase
			Deleted when a maintenance ends. Ctrl-C ends the watch with exit code 130.`),
		Example: heredoc.Doc(`
			  oc cnv maintenance list
			  oc cnv maintenance list -o wide
			  oc cnv maintenance list --watch`),
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.Run(c.Context())
		},
	}
	o.PrintFlags.AddFlags(cmd)
	cmd.Flags().Lookup("output").Usage = "Output format: wide, or json|yaml|name for the NodeMaintenance objects (--method=drain nodes have none)"
	cmd.Flags().BoolVarP(&o.Watch, "watch", "w", false, "After listing, keep printing maintenances as they change")
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "Leave out the table's header line, for scripts")
	_ = cmd.RegisterFlagCompletionFunc("output", completion.Words("wide", "json", "yaml", "name", "jsonpath=", "go-template="))
	return cmd
}

func (o *Options) format() string { return *o.PrintFlags.OutputFormat }

// Validate checks the output format.
func (o *Options) Validate() error {
	switch o.format() {
	case "", "wide":
		return nil
	}
	if _, err := o.PrintFlags.ToPrinter(); err != nil {
		if genericclioptions.IsNoCompatiblePrinterError(err) {
			// cli-runtime's own list leaves out wide, which is this command's table.
			return cmdutil.UsageErrorf("unknown output format %q: use wide, %s, or leave out -o for the table", o.format(), strings.Join(o.PrintFlags.AllowedFormats(), ", "))
		}
		return cmdutil.UsageErrorf("%v", err)
	}
	if o.Watch {
		return cmdutil.UsageErrorf("--watch prints the table; it cannot be combined with -o %s", o.format())
	}
	return nil
}

// Run lists once (and follows with --watch).
func (o *Options) Run(ctx context.Context) error {
	c, api, err := maintutil.ClientsAndOptionalAPI(o.factory)
	if err != nil {
		return err
	}
	wide := o.format() == "wide"
	res, err := maintenance.List(ctx, c, api, wide)
	if err != nil {
		return err
	}
	switch o.format() {
	case "", "wide":
		if o.Watch {
			return o.watch(ctx, c, api, res.Entries, wide)
		}
		if err := printers.RenderMaintenanceList(o.streams.Out, res.Entries, wide, !o.NoHeaders, o.now()); err != nil {
			return err
		}
	default:
		if api == nil {
			return maintenance.NoAPIError{}
		}
		p, err := o.PrintFlags.ToPrinter()
		if err != nil {
			return err
		}
		if o.format() == "name" {
			for i := range res.Objects.Items {
				if err := p.PrintObj(&res.Objects.Items[i], o.streams.Out); err != nil {
					return err
				}
			}
			return nil
		}
		return p.PrintObj(res.Objects, o.streams.Out)
	}
	return nil
}
