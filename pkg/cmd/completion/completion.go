// Package completion implements `oc cnv completion SHELL`.
package completion

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// NewCmdCompletion returns `completion bash|zsh|fish|powershell`.
func NewCmdCompletion(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	// The text names the executable and the parent command the user actually has: help under
	// kubectl must not say oc-cnv, and the generic "oc cnv" rewrite would turn a sentence naming
	// both parents into one naming kubectl twice.
	bin, display := f.Program.Binary, f.Program.Display
	parent := strings.TrimSuffix(display, " cnv")
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: fmt.Sprintf(`Print a completion script for the named shell. Completion of node names, namespaces and
components is read from the cluster as you type, with your kubeconfig session.

bash needs the bash-completion package (dnf install bash-completion, or apt install
bash-completion) and a new shell after installing it; without it TAB does not work.

The script completes the %[1]s executable itself. To complete the plugin under its parent
command (%[2]s <TAB>), also install the helper script %[3]s_complete-cnv from this project's
completions/ directory on your PATH; %[3]s's own completion must be loaded too.`, bin, display, parent),
		Example: fmt.Sprintf(`  # bash, for the current shell
  source <(%[1]s completion bash)

  # bash, permanently
  %[1]s completion bash > /etc/bash_completion.d/%[1]s

  # zsh
  %[1]s completion zsh > "${fpath[1]}/_%[1]s"

  # fish
  %[1]s completion fish > ~/.config/fish/completions/%[1]s.fish

  # PowerShell
  %[1]s completion powershell | Out-String | Invoke-Expression`, bin),
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
