package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// wireCompletions adds the completions that read the live cluster, in one place, so every
// command that takes a node, a namespace or an output format completes it the same way.
func wireCompletions(root *cobra.Command, f *cmdutil.Factory) {
	args := map[string]cobra.CompletionFunc{
		"maintenance start":    completion.NodesForStart(f),
		"maintenance stop":     completion.NodesInMaintenance(f),
		"maintenance describe": completion.NodesInMaintenance(f),
	}
	for path, fn := range args {
		if c, _, err := root.Find(strings.Fields(path)); err == nil && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = fn
		}
	}

	_ = root.RegisterFlagCompletionFunc("namespace", completion.Namespaces(f))

	outputs := map[string][]string{
		"maintenance start": {"json", "yaml", "name"},
		"maintenance list":  {"wide", "json", "yaml", "name", "jsonpath=", "go-template="},
		"maintenance stop":  {"name"},
	}
	walk(root, func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), root.CommandPath()+" ")
		if formats, ok := outputs[path]; ok && c.Flags().Lookup("output") != nil {
			_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace))
		}
		if c.Flags().Lookup("cdi-namespace") != nil {
			_ = c.RegisterFlagCompletionFunc("cdi-namespace", completion.Namespaces(f))
		}
	})
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}
