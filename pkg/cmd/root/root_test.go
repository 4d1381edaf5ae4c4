package root

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func run(t *testing.T, program cmdutil.Program, args ...string) (string, string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := NewCmdRoot(cmdutil.NewFactory(program), streams)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestHelpNamesTheInvokingProgram(t *testing.T) {
	for _, p := range []cmdutil.Program{cmdutil.ProgramFromArgs0("oc-cnv"), cmdutil.ProgramFromArgs0("kubectl-cnv")} {
		out, _, err := run(t, p, "certs", "--help")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, p.Display+" certs [command]") {
			t.Errorf("%s: usage line does not name %q:\n%s", p.Binary, p.Display, out)
		}
		other := map[string]string{"oc cnv": "kubectl cnv", "kubectl cnv": "oc cnv "}[p.Display]
		if strings.Contains(out, other) {
			t.Errorf("%s: help mentions %q:\n%s", p.Binary, other, out)
		}
		rootHelp, _, _ := run(t, p, "--help")
		if !strings.Contains(rootHelp, "  "+p.Display+" maintenance start node02") {
			t.Errorf("%s: root examples not rewritten:\n%s", p.Binary, rootHelp)
		}
	}
}

func TestConnectionAndLogFlags(t *testing.T) {
	out, _, err := run(t, cmdutil.DefaultProgram(), "options")
	if err != nil {
		t.Fatal(err)
	}
	help, _, _ := run(t, cmdutil.DefaultProgram(), "version", "--help")
	if strings.Contains(help, "--kubeconfig") || !strings.Contains(help, `Use "oc cnv options" for a list of global command-line options`) {
		t.Errorf("command help should point at options instead of listing global flags:\n%s", help)
	}
	for _, flag := range []string{"--kubeconfig", "--context", "--cluster", "--user", "-n, --namespace", "--server", "--token", "--as ", "--as-group", "--certificate-authority", "--insecure-skip-tls-verify", "--request-timeout", "-v, --v"} {
		if !strings.Contains(out, flag) {
			t.Errorf("root help lacks %s", flag)
		}
	}
}

func TestBadFlagIsUsageError(t *testing.T) {
	_, _, err := run(t, cmdutil.DefaultProgram(), "version", "--no-such-flag")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
		t.Fatalf("exit code %d (%v), want %d", code, err, cmdutil.ExitUsage)
	}
	_, _, err = run(t, cmdutil.DefaultProgram(), "no-such-command")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
		t.Fatalf("unknown command: exit code %d (%v), want %d", code, err, cmdutil.ExitUsage)
	}
}

func TestVersionJSON(t *testing.T) {
	out, _, err := run(t, cmdutil.DefaultProgram(), "version", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"version", "commit", "buildDate", "goVersion", "platform"} {
		if v[k] == "" {
			t.Errorf("version JSON lacks %s: %s", k, out)
		}
	}
	_, _, err = run(t, cmdutil.DefaultProgram(), "version", "-o", "xml")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "json or yaml") {
		t.Fatalf("bad -o: %v", err)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "__start_oc-cnv", "zsh": "#compdef oc-cnv", "fish": "complete -c oc-cnv", "powershell": "Register-ArgumentCompleter"} {
		out, _, err := run(t, cmdutil.DefaultProgram(), "completion", shell)
		if err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		if !strings.Contains(out, marker) {
			t.Errorf("%s script lacks %q", shell, marker)
		}
	}
	_, _, err := run(t, cmdutil.DefaultProgram(), "completion", "tcsh")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("completion tcsh: %v", err)
	}
}

// A misspelt verb at any level gets one line with cobra's suggestion, also when flags of the
// intended verb follow it.
func TestMisspeltCommandSuggests(t *testing.T) {
	cases := map[string]string{
		"maintanance":                         `unknown command "maintanance" for "kubectl cnv"; did you mean "maintenance"? See 'kubectl cnv --help'`,             //nolint:misspell // the typo is the test
		"maintenance strat":                   `unknown command "strat" for "kubectl cnv maintenance"; did you mean "start"? See 'kubectl cnv maintenance --help'`, //nolint:misspell // the typo is the test
		"maintenance strat node02 --reason x": `unknown command "strat" for "kubectl cnv maintenance"; did you mean "start"? See 'kubectl cnv maintenance --help'`, //nolint:misspell // the typo is the test
		"certs chek":                          `unknown command "chek" for "kubectl cnv certs"; did you mean "check"? See 'kubectl cnv certs --help'`,
		"cert chek -n openshift-cnv":          `unknown command "chek" for "kubectl cnv certs"; did you mean "check"? See 'kubectl cnv certs --help'`,
		"frobnicate":                          `unknown command "frobnicate" for "kubectl cnv"; see 'kubectl cnv --help'`,
	}
	for args, want := range cases {
		_, _, err := run(t, cmdutil.ProgramFromArgs0("kubectl-cnv"), strings.Fields(args)...)
		if err == nil || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%s: %v (exit %d), want %q", args, err, cmdutil.ExitCode(err), want)
		}
	}
}

// completion's help names the executable and the parent command the user has, each once,
// and says that bash needs bash-completion.
func TestCompletionHelpNamesTheInvokingProgram(t *testing.T) {
	for _, p := range []cmdutil.Program{cmdutil.ProgramFromArgs0("oc-cnv"), cmdutil.ProgramFromArgs0("kubectl-cnv")} {
		out, _, err := run(t, p, "completion", "--help")
		if err != nil {
			t.Fatal(err)
		}
		other := map[string]string{"oc-cnv": "kubectl", "kubectl-cnv": "oc-cnv"}[p.Binary]
		if strings.Count(out, p.Display+" <TAB>") != 1 || !strings.Contains(out, "source <("+p.Binary+" completion bash)") ||
			strings.Contains(out, other) || !strings.Contains(out, "bash-completion package") {
			t.Errorf("%s completion --help:\n%s", p.Binary, out)
		}
	}
}
