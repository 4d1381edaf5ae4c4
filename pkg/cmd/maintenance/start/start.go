// Package start implements `oc cnv maintenance start`.
package start

import (
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/follow"
)

// Options are the flags and arguments of `maintenance start`, completed into what Run needs.
type Options struct {
	Nodes         []string
	Selector      string
	Reason        string
	Name          string
	Method        string
	Force         bool
	Yes           bool
	Wait          bool
	Timeout       time.Duration
	StallTimeout  time.Duration
	DryRun        string
	MaxConcurrent int
	// reasonGiven: --reason was on the command line (an explicit empty reason is refused).
	reasonGiven bool
	// selector is Selector parsed by Validate.
	selector labels.Selector
	// printer prints the dry-run object for -o; made by Validate so a bad -o fails first.
	printer printers.ResourcePrinter

	PrintFlags *genericclioptions.PrintFlags

	factory *cmdutil.Factory
	streams genericiooptions.IOStreams
	// prompter asks before anything is written, unless --yes.
	prompter *cmdutil.Prompter
}

// NewOptions returns the defaults: wait, one node at a time, the operator method.
func NewOptions(f *cmdutil.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{
		Method:        string(maintenance.MethodOperator),
		Wait:          true,
		StallTimeout:  follow.DefaultStallAfter,
		DryRun:        "none",
		MaxConcurrent: 1,
		PrintFlags:    genericclioptions.NewPrintFlags(""),
		factory:       f,
		streams:       streams,
		prompter:      cmdutil.NewPrompter(streams.In, streams.ErrOut),
	}
}

// NewCmdStart returns the `start` command. runF, when not nil, is called with the completed
// and validated Options instead of Run, so that tests check the flags' mapping without a
// cluster.
func NewCmdStart(f *cmdutil.Factory, streams genericiooptions.IOStreams, runF func(*Options) error) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "start NODE... | -l SELECTOR",
		Short: "Put nodes into maintenance and follow the drain",
		Long: heredoc.Doc(`
			Put nodes into maintenance: cordon and taint them and drain their pods through the Node
			Maintenance Operator (a NodeMaintenance resource), or with --method=drain from this
			command when the operator is not installed.

			Before changing anything, start checks that the nodes exist, that you may do this, and
			that other schedulable nodes remain, then prints what will happen to every VM on each
			node: which will live-migrate, which will be shut down and started again elsewhere, and
			which would block the drain (for example a LiveMigrate VM with a ReadWriteOnce disk).
			It refuses when a VM would block the drain, unless --force is given, and then asks for
			confirmation unless --yes is given. Without a terminal on standard input nobody can
			answer, so it needs --yes there (scripts, pipes, cron).

			With several nodes (names or -l), every node of the request is cordoned before the
			first drain starts, so that no VM and no pod evicted from one of them lands on another
			and moves twice; the nodes it cordoned whose maintenance did not start (Ctrl-C, a
			refusal, a timeout) are uncordoned again.

			By default it then follows the drain and the migrations until the maintenance
			succeeds. Exit codes: 0 done, 2 bad input (or no terminal to confirm on and no --yes),
			3 --timeout reached, 4 blocked (VMs block the drain, the maintenance failed, or the plan
			was refused), 5 forbidden, 6 no NodeMaintenance API or the operator's admission webhook
			does not answer, 8 the confirmation was declined, 130 interrupted (Ctrl-C at the
			question changes nothing; later, the maintenance stays in place).`),
		Example: heredoc.Doc(`
			  # See what maintenance of node02 would do, without changing anything
			  oc cnv maintenance start node02 --dry-run=client

			  # Start it and follow the drain and migrations
			  oc cnv maintenance start node02 --reason "Replacing DIMM"

			  # All workers of a rack, two at a time, without a confirmation prompt
			  oc cnv maintenance start -l rack=r12 --max-concurrent 2 --yes

			  # No Node Maintenance Operator installed: cordon and drain from here
			  oc cnv maintenance start node02 --method=drain`),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
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
	fl := cmd.Flags()
	fl.StringVarP(&o.Selector, "selector", "l", "", "Put the nodes matching this label selector into maintenance")
	fl.StringVar(&o.Reason, "reason", "", "Why the nodes go into maintenance (stored in spec.reason)")
	fl.StringVar(&o.Name, "name", "", "Name of the NodeMaintenance object (one node only; default NODE-maintenance)")
	fl.StringVar(&o.Method, "method", o.Method, "How to drain: operator (create a NodeMaintenance) or drain (cordon, taint and drain from this command)")
	fl.BoolVar(&o.Force, "force", false, "Start even if VMs would block the drain")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "Do not ask for confirmation")
	fl.BoolVar(&o.Wait, "wait", o.Wait, "Follow the drain until it finishes; --wait=false returns once the maintenance is created")
	fl.DurationVar(&o.Timeout, "timeout", 0, "Give up waiting after this long (0: no limit); the maintenance stays in place")
	fl.DurationVar(&o.StallTimeout, "stall-timeout", o.StallTimeout, "Give up when, for this long, no VM left on a node can leave (they block the drain, or the scheduler cannot place their migrations)")
	fl.StringVar(&o.DryRun, "dry-run", o.DryRun, `"client" prints the plan and the object; "server" also has the API server validate the object. Nothing is changed`)
	fl.Lookup("dry-run").NoOptDefVal = "client"
	fl.IntVar(&o.MaxConcurrent, "max-concurrent", o.MaxConcurrent, "How many nodes to drain at the same time")
	o.PrintFlags.AddFlags(cmd)
	cmd.Flags().Lookup("output").Usage = "With --dry-run, print the object in this format: json|yaml|name"
	cmd.ValidArgsFunction = completion.NodesForStart(f)
	_ = cmd.RegisterFlagCompletionFunc("output", completion.Words("json", "yaml", "name"))
	return cmd
}

// Complete records the arguments.
func (o *Options) Complete(c *cobra.Command, args []string) error {
	o.Nodes = args
	if c != nil {
		o.reasonGiven = c.Flags().Changed("reason")
	}
	return nil
}

// Validate rejects bad and conflicting input before any request is made.
func (o *Options) Validate() error {
	switch {
	case len(o.Nodes) == 0 && o.Selector == "":
		return cmdutil.UsageErrorf("name at least one node, or select nodes with -l")
	case len(o.Nodes) > 0 && o.Selector != "":
		return cmdutil.UsageErrorf("give node names or -l, not both")
	case o.Name != "" && (len(o.Nodes) != 1 || o.Selector != ""):
		return cmdutil.UsageErrorf("--name can only be used with a single node")
	case o.MaxConcurrent < 1:
		return cmdutil.UsageErrorf("--max-concurrent must be at least 1")
	case o.Timeout < 0 || o.StallTimeout < 0:
		return cmdutil.UsageErrorf("--timeout and --stall-timeout cannot be negative")
	}
	switch o.DryRun {
	case "none", "client", "server":
	default:
		return cmdutil.UsageErrorf(`--dry-run must be "none", "client" or "server", not %q`, o.DryRun)
	}
	switch maintenance.Method(o.Method) {
	case maintenance.MethodOperator:
	case maintenance.MethodDrain:
		if !o.Wait && o.DryRun == "none" {
			return cmdutil.UsageErrorf("--method=drain drains from this command, so it cannot return before the drain ends; drop --wait=false")
		}
		if o.Name != "" {
			return cmdutil.UsageErrorf("--name names a NodeMaintenance object, which --method=drain does not create")
		}
	default:
		return cmdutil.UsageErrorf(`--method must be "operator" or "drain", not %q`, o.Method)
	}
	if out := *o.PrintFlags.OutputFormat; out != "" {
		if o.DryRun == "none" {
			return cmdutil.UsageErrorf("-o/--output is only used with --dry-run")
		}
		if maintenance.Method(o.Method) == maintenance.MethodDrain {
			return cmdutil.UsageErrorf("-o prints the NodeMaintenance object, which --method=drain does not create; drop -o")
		}
		p, err := o.PrintFlags.ToPrinter()
		if err != nil {
			return cmdutil.UsageErrorf("-o %s: %s", out, oneLine(err.Error()))
		}
		o.printer = p
	}
	if err := maintenance.CheckReason(o.Reason, o.reasonGiven); err != nil {
		return cmdutil.WithCode(cmdutil.ExitUsage, err)
	}
	if o.Selector != "" {
		sel, err := labels.Parse(o.Selector)
		if err != nil {
			return cmdutil.UsageErrorf("-l %q is not a valid label selector (%s); use key=value, key!=value, 'key in (a,b)', key or !key, joined by commas", o.Selector, oneLine(err.Error()))
		}
		o.selector = sel
	}
	for _, n := range o.Nodes {
		if err := maintenance.CheckNodeName(n); err != nil {
			return cmdutil.WithCode(cmdutil.ExitUsage, err)
		}
	}
	if o.Name != "" {
		if len(validation.IsDNS1123Subdomain(o.Name)) > 0 {
			return cmdutil.UsageErrorf("--name %q is not a valid object name (lowercase letters, digits, '-' and '.')", o.Name)
		}
	}
	seen := map[string]bool{}
	for _, n := range o.Nodes {
		if seen[n] {
			return cmdutil.UsageErrorf("node %s is named twice", n)
		}
		seen[n] = true
	}
	return nil
}

func (o *Options) objectName(node string) string {
	if o.Name != "" {
		return o.Name
	}
	return maintenance.DefaultName(node)
}

// oneLine folds a library's error text onto one line: the error is reported as one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
