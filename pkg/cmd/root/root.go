// Package root assembles the oc-cnv command tree.
package root

import (
	goflag "flag"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/certs"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance"
	versioncmd "github.com/oc-cnv/oc-cnv/pkg/cmd/version"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// NewCmdRoot returns the root command. f carries the connection flags and clients; streams are
// the only place any command writes to or reads from.
func NewCmdRoot(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   f.Program.Binary,
		Short: "Node maintenance and certificate care for OpenShift Virtualization",
		Long: `oc cnv helps cluster administrators of OpenShift Virtualization (KubeVirt) with two chores:

  maintenance  put nodes into maintenance mode and back, showing beforehand what happens to
               every virtual machine, and following the drain and the live migrations
  certs        check the TLS certificates of the virtualization components, and have their
               operators re-issue them

It uses your kubeconfig session, like oc and kubectl.`,
		Example: `  # Show what maintenance of node02 would do to its VMs, then start it and follow the drain
  oc cnv maintenance start node02 --reason "Replacing node02" --dry-run=client
  oc cnv maintenance start node02 --reason "Replacing node02"

  # Check the certificates of the virtualization components
  oc cnv certs check -n openshift-cnv`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Every verb is a subcommand; the root alone only shows help.
		Args: cmdutil.SubcommandOnly,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: f.Program.Display,
		},
		PersistentPreRun: func(c *cobra.Command, _ []string) {
			limitVerbosity(c, streams.ErrOut)
		},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// On a command group the flags belong to the misspelt verb before them
		// (a misspelt start followed by start's flags): the verb is the mistake to report.
		if c.HasAvailableSubCommands() && len(c.Flags().Args()) > 0 {
			return cmdutil.SubcommandOnly(c, c.Flags().Args())
		}
		return cmdutil.UsageErrorf("%v; see '%s --help'", err, c.CommandPath())
	})
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetUsageTemplate(usageTemplate)

	f.ConfigFlags.AddFlags(cmd.PersistentFlags())
	addKlogFlags(cmd)

	cmd.AddGroup(
		&cobra.Group{ID: "virt", Title: "Virtualization maintenance:"},
		&cobra.Group{ID: "other", Title: "Other commands:"},
	)
	for _, sub := range []*cobra.Command{
		maintenance.NewCmdMaintenance(f, streams),
		certs.NewCmdCerts(f, streams),
	} {
		sub.GroupID = "virt"
		cmd.AddCommand(sub)
	}
	for _, sub := range []*cobra.Command{
		versioncmd.NewCmdVersion(f, streams),
		completion.NewCmdCompletion(f, streams),
		newCmdOptions(streams),
	} {
		sub.GroupID = "other"
		cmd.AddCommand(sub)
	}
	cmd.SetHelpCommandGroupID("other")

	wireCompletions(cmd, f)
	rewriteProgramName(cmd, f.Program)
	return cmd
}

// addKlogFlags exposes klog's -v (and --vmodule) as kubectl does, so -v=6 shows requests and
// -v=9 bodies; klog itself redacts bearer tokens at those levels.
func addKlogFlags(cmd *cobra.Command) {
	fs := goflag.NewFlagSet("klog", goflag.ContinueOnError)
	klog.InitFlags(fs)
	for _, name := range []string{"v", "vmodule"} {
		if fl := fs.Lookup(name); fl != nil {
			cmd.PersistentFlags().AddGoFlag(fl)
		}
	}
	if v := cmd.PersistentFlags().Lookup("v"); v != nil {
		v.Shorthand = "v"
		v.Usage = "log level for diagnostics on stderr (6 shows API requests, 9 their bodies)"
	}
}

// rewriteProgramName makes every help text and example say what the user actually types.
func rewriteProgramName(cmd *cobra.Command, p cmdutil.Program) {
	cmd.Long = p.Rewrite(cmd.Long)
	cmd.Example = indentExample(p.Rewrite(cmd.Example))
	cmd.Short = p.Rewrite(cmd.Short)
	for _, c := range cmd.Commands() {
		rewriteProgramName(c, p)
	}
}

// indentExample indents examples by two spaces, as kubectl's are, when written flush-left.
func indentExample(s string) string {
	if s == "" || strings.HasPrefix(s, "  ") {
		return s
	}
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}
