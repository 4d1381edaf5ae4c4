// Package maintenance groups the `oc cnv maintenance` verbs.
package maintenance

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// NewCmdMaintenance returns the `maintenance` command group.
func NewCmdMaintenance(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "maintenance",
		Aliases: []string{"maint", "nm"},
		Short:   "Put nodes into maintenance mode and take them out again",
		Long: `Put nodes into maintenance mode and take them out again.

Maintenance mode cordons and taints a node and drains it through the Node Maintenance Operator
(a NodeMaintenance resource). Virtual machines with the LiveMigrate eviction strategy live-migrate
to other nodes (their disks must be ReadWriteMany); those without one are shut down and started
again elsewhere. oc cnv shows this plan before anything changes, follows the drain and the
migrations, and says exactly what blocks them.`,
		Args:         cmdutil.SubcommandOnly,
		SilenceUsage: true,
		RunE:         func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	for _, sub := range verbs(f, streams) {
		cmd.AddCommand(sub)
	}
	return cmd
}
