//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The plugin as oc and kubectl find it: kubectl dispatches `kubectl cnv` to kubectl-cnv on
// PATH, and the help then speaks of "kubectl cnv".
func TestKubectlPluginDispatch(t *testing.T) {
	env := framework.Get(t)
	kubectl := os.Getenv("OC_CNV_KUBECTL")
	if kubectl == "" {
		t.Fatal("OC_CNV_KUBECTL is not set (make e2e sets it to the cluster's kubectl)")
	}
	dir := t.TempDir()
	if err := os.Symlink(env.Bin, filepath.Join(dir, "kubectl-cnv")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "cnv", "maintenance", "--help")
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+env.Kubeconfig)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl cnv maintenance --help: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "kubectl cnv maintenance [command]") || strings.Contains(string(out), "oc cnv") {
		t.Errorf("help does not speak of kubectl cnv:\n%s", out)
	}

	plugins := exec.Command(kubectl, "plugin", "list")
	plugins.Env = cmd.Env
	out, _ = plugins.CombinedOutput()
	if !strings.Contains(string(out), filepath.Join(dir, "kubectl-cnv")) {
		t.Errorf("kubectl plugin list does not show kubectl-cnv:\n%s", out)
	}
}

func TestVersion(t *testing.T) {
	env := framework.Get(t)
	res := env.Run(t, "version", "-o", "json")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, `"version"`) || res.Stderr != "" {
		t.Fatalf("version -o json: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// A cluster that cannot be reached is one line and exit code 6, worded as kubectl words it
// whichever request met it first (not "discovering the NodeMaintenance API: ...").
func TestUnreachableServer(t *testing.T) {
	env := framework.Get(t)
	for _, args := range [][]string{
		{"maintenance", "list"},
		{"maintenance", "start", "node-1", "--yes"},
		{"maintenance", "stop", "node-1"},
		{"maintenance", "describe", "node-1"},
		{"certs", "check"},
	} {
		res := env.Run(t, append(args, "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify")...)
		want := "error: the connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n"
		if res.ExitCode != 6 || res.Stderr != want {
			t.Errorf("%v: exit %d (want 6), stderr %q, want %q", args, res.ExitCode, res.Stderr, want)
		}
	}
}

// A KUBECONFIG that names no existing file must not fall back to http://localhost:8080 (where
// anything may listen): every command says the kubeconfig is missing, exit 6.
func TestMissingKubeconfigIsOneLine(t *testing.T) {
	env := framework.Get(t)
	for _, args := range [][]string{
		{"maintenance", "list"},
		{"maintenance", "start", "node-000000", "--yes"},
		{"certs", "check"},
		{"certs", "rotate", "--yes"},
	} {
		res := env.RunWith(t, framework.RunOptions{Kubeconfig: "/nonexistent/kubeconfig"}, args...)
		want := "error: no cluster is configured: KUBECONFIG names /nonexistent/kubeconfig, which does not exist;"
		if res.ExitCode != 6 || res.Stdout != "" || strings.Count(res.Stderr, "\n") != 1 || !strings.HasPrefix(res.Stderr, want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, res.ExitCode, res.Stdout, res.Stderr)
		}
	}
}
