package maintutil

import (
	"fmt"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// Interrupted words the Ctrl-C outcome: waiting stopped, the maintenance stays, and how to end it.
func Interrupted(program cmdutil.Program, nodes []string) error {
	if len(nodes) == 0 {
		return cmdutil.Errorf(cmdutil.ExitInterrupted, "stopped before any maintenance started; no node was left in maintenance")
	}
	what := "the maintenance stays in place"
	if len(nodes) == 1 {
		what = fmt.Sprintf("node %s stays in maintenance", nodes[0])
	}
	stop := program.Display + " maintenance stop"
	for _, n := range nodes {
		stop += " " + n
	}
	return cmdutil.Errorf(cmdutil.ExitInterrupted, "stopped waiting; %s. To end it: %s", what, stop)
}
