package root

import (
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// Every command completes what it takes, wherever it sits in the tree: a node argument, -o's
// formats, a namespace flag. The completions are registered where each command is defined, so
// renaming or moving a command cannot leave them behind.
func TestEveryCommandCompletesWhatItTakes(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewCmdRoot(cmdutil.NewFactory(cmdutil.DefaultProgram()), streams)
	takesNode := map[string]bool{"maintenance start": true, "maintenance stop": true, "maintenance describe": true}
	seen := 0
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		path := c.CommandPath()[len(root.CommandPath()):]
		if len(path) > 0 {
			path = path[1:]
		}
		if takesNode[path] {
			seen++
			if c.ValidArgsFunction == nil {
				t.Errorf("%s: no completion of its node argument", path)
			}
		}
		for _, flag := range []string{"output", "cdi-namespace", "namespace"} {
			if c.Flags().Lookup(flag) == nil {
				continue
			}
			if _, ok := c.GetFlagCompletionFunc(flag); !ok {
				t.Errorf("%s: --%s does not complete", path, flag)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if seen != len(takesNode) {
		t.Errorf("found %d of the %d commands that take a node", seen, len(takesNode))
	}
}
