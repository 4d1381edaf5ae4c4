package root

import (
	"github.com/spf13/cobra"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// wireCompletions completes the flags the root command owns; every command registers the
// completions of its own arguments and flags where it defines them.
func wireCompletions(root *cobra.Command, f *cmdutil.Factory) {
	_ = root.RegisterFlagCompletionFunc("namespace", completion.Namespaces(f))
}
