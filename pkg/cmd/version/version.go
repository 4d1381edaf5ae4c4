// Package version implements `oc cnv version`.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/version"
)

// Options are the inputs of the version command.
type Options struct {
	Output string
	genericiooptions.IOStreams
	program cmdutil.Program
}

// NewCmdVersion returns `version`.
func NewCmdVersion(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams, program: f.Program}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of oc cnv",
		Long:  "Print the version, commit and build date of this oc cnv binary. It makes no request to the cluster.",
		Example: `  oc cnv version
  oc cnv version -o json`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(*cobra.Command, []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Validate checks the output format.
func (o *Options) Validate() error {
	switch o.Output {
	case "", "json", "yaml":
		return nil
	}
	return cmdutil.UsageErrorf("unsupported output format %q for version: use json or yaml, or omit -o", o.Output)
}

// Run prints the version.
func (o *Options) Run() error {
	info := version.Get()
	switch o.Output {
	case "json":
		// Not a Kubernetes object (no apiVersion/kind), so cli-runtime's printers do not apply.
		b, err := json.MarshalIndent(info, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.Out, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(info)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(b)
		return err
	}
	_, err := fmt.Fprintf(o.Out, "%s version %s\ncommit: %s\nbuilt: %s\ngo: %s %s\n", o.program.Binary, info.Version, info.Commit, info.BuildDate, info.GoVersion, info.Platform)
	return err
}
