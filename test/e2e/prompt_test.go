//go:build e2e

package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The confirmation rule of every command that asks (docs/user-guide.md): at a terminal, `n`
// exits 8 and Ctrl-C exits 130 at once, each with the one line "Nothing was changed."; without
// a terminal the command refuses unless --yes (exit 2) instead of going ahead unasked.

// promptAnswer runs args on a pty, answers the question with keys and returns the exit code
// and what the terminal showed after the question. No Enter follows Ctrl-C: the command must
// end without one.
func promptAnswer(t *testing.T, env *framework.Env, keys string, args ...string) (int, string) {
	t.Helper()
	p, tty := env.StartTTY(t, framework.RunOptions{}, 200, 50, args...)
	const question = " [y/N]: "
	p.WaitOutput(t, time.Minute, question)
	if _, err := tty.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
	// The pty is read in the background: the last line first, then the exit status.
	p.WaitOutput(t, 10*time.Second, "Nothing was changed.\r\n")
	res := p.Wait(t, 10*time.Second)
	out, _ := p.Output()
	return res.ExitCode, out[strings.LastIndex(out, question)+len(question):]
}

func assertPromptOutcome(t *testing.T, what string, code int, after string, wantCode int, echo string) {
	t.Helper()
	// The terminal echoes the key (n, or ^C for Ctrl-C) and then the one line follows.
	after = strings.TrimPrefix(after, echo)
	if code != wantCode || after != "\r\nNothing was changed.\r\n" {
		t.Errorf("%s: exit %d (want %d), after the question %q", what, code, wantCode, after)
	}
}

func TestConfirmationRuleMaintenanceStart(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]
	args := []string{"maintenance", "start", n0, "--reason", "prompt", "--wait=false"}

	code, after := promptAnswer(t, env, "n\r", args...)
	assertPromptOutcome(t, "n", code, after, 8, "n")
	mtAssertUntouched(t, env, n0)

	code, after = promptAnswer(t, env, "\x03", args...)
	assertPromptOutcome(t, "Ctrl-C", code, after, 130, "^C")
	mtAssertUntouched(t, env, n0)

	res := env.Run(t, args...)
	mtOneLine(t, res, 2, "standard input is not a terminal, so none can be asked; pass --yes")
	mtAssertUntouched(t, env, n0)
}

func TestConfirmationRuleCertsRotate(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt", nil)
	waitDeploymentsReady(t, ns)
	before := versions(t, ns)
	args := []string{"certs", "rotate", "-n", ns}

	code, after := promptAnswer(t, env, "n\r", args...)
	assertPromptOutcome(t, "n", code, after, 8, "n")
	code, after = promptAnswer(t, env, "\x03", args...)
	assertPromptOutcome(t, "Ctrl-C", code, after, 130, "^C")

	res := env.Run(t, args...)
	mtOneLine(t, res, 2, "standard input is not a terminal, so none can be asked; pass --yes")
	after2 := versions(t, ns)
	for k, v := range before {
		if after2[k] != v {
			t.Errorf("%s changed (%s -> %s)", k, v, after2[k])
		}
	}
}

// Ctrl-C is the only way a watch ends, and docs/exit-codes.md gives it 130, silently.
func TestMaintenanceListWatchInterruptExits130(t *testing.T) {
	env := framework.Get(t)
	w := env.Start(t, framework.RunOptions{}, "maintenance", "list", "--watch")
	w.WaitOutput(t, 30*time.Second, "NAME")
	if err := w.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if res := w.Wait(t, 20*time.Second); res.ExitCode != 130 || res.Stderr != "" {
		t.Errorf("list --watch after SIGINT: exit %d, want 130 and nothing on stderr\n%s", res.ExitCode, res.Stderr)
	}
}
