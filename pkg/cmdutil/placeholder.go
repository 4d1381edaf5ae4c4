package cmdutil

import "github.com/spf13/cobra"

// Placeholder is a verb that is in the command tree but not built yet: it exits
// ExitNotImplemented and changes nothing.
func Placeholder(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short,
		SilenceUsage:       true,
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, _ []string) error {
			return NotImplemented(c.CommandPath())
		},
	}
}
