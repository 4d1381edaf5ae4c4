package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// SubcommandOnly is the Args check of a command group (root, maintenance, certs): any argument
// is a misspelt verb. cobra suggests verbs only at the root and in several lines; this says it
// in one line at every level: unknown command "stat" for "oc cnv maintenance"; did you mean
// "start"?
func SubcommandOnly(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c.SuggestionsMinimumDistance <= 0 {
		// cobra's default, which it applies only in its own root-level lookup.
		c.SuggestionsMinimumDistance = 2
	}
	msg := "unknown command %q for %q"
	a := []any{args[0], c.CommandPath()}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		q := make([]string, len(s))
		for i, n := range s {
			q[i] = `"` + n + `"`
		}
		msg += "; did you mean %s? See '%s --help'"
		a = append(a, strings.Join(q, " or "), c.CommandPath())
	} else {
		msg += "; see '%s --help'"
		a = append(a, c.CommandPath())
	}
	return UsageErrorf(msg, a...)
}
