package maintenance

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func verbs(f *cmdutil.Factory, streams genericiooptions.IOStreams) []*cobra.Command {
	return []*cobra.Command{
		cmdutil.Placeholder("start NODE... | -l SELECTOR", "Start maintenance of nodes and follow the drain"),
		cmdutil.Placeholder("stop NODE... | --all", "End maintenance of nodes"),
		cmdutil.Placeholder("list", "List nodes in maintenance"),
		cmdutil.Placeholder("describe NODE|NAME", "Show the maintenance of a node in detail"),
	}
}
