//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// A misspelt verb at any level gets cobra's suggestion in one line, exit 2.
func TestMisspeltCommandsSuggest(t *testing.T) {
	env := framework.Get(t)
	link := env.KubectlLink(t)
	for args, want := range map[string]string{
		"maintanance":                    `error: unknown command "maintanance" for "kubectl cnv"; did you mean "maintenance"? See 'kubectl cnv --help'`,             //nolint:misspell // the typo is the test
		"maintenance strat node-1 --yes": `error: unknown command "strat" for "kubectl cnv maintenance"; did you mean "start"? See 'kubectl cnv maintenance --help'`, //nolint:misspell // the typo is the test
		"certs chek":                     `error: unknown command "chek" for "kubectl cnv certs"; did you mean "check"? See 'kubectl cnv certs --help'`,
	} {
		res := env.RunWith(t, framework.RunOptions{Bin: link}, strings.Fields(args)...)
		if res.ExitCode != 2 || res.Stdout != "" || res.Stderr != want+"\n" {
			t.Errorf("kubectl cnv %s: exit %d, stderr %q, want 2 and %q", args, res.ExitCode, res.Stderr, want)
		}
	}
}

// stop suggests the nodes in maintenance close to a misspelt one, as start and describe do,
// and changes nothing.
func TestStopMisspeltNodeSuggests(t *testing.T) {
	env := framework.Get(t)
	n0 := env.Nodes(t, 2).Names[0]
	if res := env.Run(t, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "typo"); res.ExitCode != 0 {
		t.Fatalf("start: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	typo := n0[:len(n0)-1] + "x"
	mtOneLine(t, env.Run(t, "maintenance", "stop", typo), 2, fmt.Sprintf("node %q not found; did you mean %q?", typo, n0))
	if res := env.Run(t, "maintenance", "list"); !strings.Contains(res.Stdout, n0) {
		t.Errorf("%s is no longer in maintenance after the refused stop:\n%s", n0, res.Stdout)
	}
	if res := env.Run(t, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Fatalf("stop: exit %d\n%s", res.ExitCode, res.Stderr)
	}
}

// completion's help, run as kubectl-cnv, names kubectl-cnv and `kubectl cnv <TAB>` once, and
// says bash needs bash-completion.
func TestCompletionHelpAsKubectlPlugin(t *testing.T) {
	env := framework.Get(t)
	res := env.RunWith(t, framework.RunOptions{Bin: env.KubectlLink(t)}, "completion", "--help")
	if res.ExitCode != 0 || strings.Count(res.Stdout, "kubectl cnv <TAB>") != 1 || strings.Contains(res.Stdout, "oc-cnv") ||
		!strings.Contains(res.Stdout, "source <(kubectl-cnv completion bash)") || !strings.Contains(res.Stdout, "bash-completion package") {
		t.Errorf("completion --help as kubectl-cnv: exit %d\n%s", res.ExitCode, res.Stdout)
	}
}
