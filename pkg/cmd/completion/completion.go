// Package completion implements `oc cnv completion SHELL`.
package completion

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// NewCmdCompletion returns `completion bash|zsh|fish|powershell`.
func NewCmdCompletion(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a completion script for the named shell. Completion of node names, namespaces and
components is read from the cluster as you type, with your kubeconfig session.

The script completes the oc-cnv (or kubectl-cnv) executable itself. To complete the plugin
under its parent command ("oc cnv <TAB>", "kubectl cnv <TAB>"), install the helper scripts
oc_complete-cnv and kubectl_complete-cnv from this project's completions/ directory on your PATH.`,
		Example: `  # bash, for the current shell
  source <(oc-cnv completion bash)

  # bash, permanently
  oc-cnv completion bash > /etc/bash_completion.d/oc-cnv

  # zsh
  oc-cnv completion zsh > "${fpath[1]}/_oc-cnv"

  # fish
  oc-cnv completion fish > ~/.config/fish/completions/oc-cnv.fish

  # PowerShell
  oc-cnv completion powershell | Out-String | Invoke-Expression`,
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		DisableFlagsInUseLine: true,
		SilenceUsage:          true,
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			out := streams.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return cmdutil.UsageErrorf("unsupported shell %q: use one of bash, zsh, fish, powershell", args[0])
		},
	}
	return cmd
}
