//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// completions runs cobra's hidden __complete command, as the shell scripts do, and returns
// the candidates (without the trailing directive line).
func completions(t *testing.T, env *framework.Env, args ...string) []string {
	t.Helper()
	res := env.Run(t, append([]string{"__complete"}, args...)...)
	if res.ExitCode != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, res.ExitCode, res.Stderr)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if l == "" || strings.HasPrefix(l, ":") {
			continue
		}
		out = append(out, strings.SplitN(l, "\t", 2)[0])
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCompletionFromTheCluster(t *testing.T) {
	t.Parallel()
	env := framework.Get(t)
	nodes := env.Nodes(t, 2)
	free, busy := nodes.Names[0], nodes.Names[1]
	ns := env.Namespace(t)

	nm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "nodemaintenance.medik8s.io/v1beta1",
		"kind":       "NodeMaintenance",
		"metadata":   map[string]any{"name": busy + "-maintenance"},
		"spec":       map[string]any{"nodeName": busy, "reason": "completion test"},
	}}
	if _, err := env.Dynamic.Resource(framework.NodeMaintenanceGVRs[0]).Create(context.Background(), nm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	start := completions(t, env, "maintenance", "start", "")
	if !contains(start, free) || contains(start, busy) {
		t.Errorf("start offers %v: want %s and not %s (in maintenance)", start, free, busy)
	}
	if got := completions(t, env, "maintenance", "start", free, ""); contains(got, free) {
		t.Errorf("start offers %s again after it was typed: %v", free, got)
	}
	stop := completions(t, env, "maintenance", "stop", "")
	if !contains(stop, busy) || contains(stop, free) {
		t.Errorf("stop offers %v: want %s and not %s", stop, busy, free)
	}
	if got := completions(t, env, "maintenance", "describe", busy[:len(busy)-1]); len(got) != 1 || got[0] != busy {
		t.Errorf("describe with a prefix offers %v, want [%s]", got, busy)
	}
	if got := completions(t, env, "-n", ns[:len(ns)-2]); !contains(got, ns) {
		t.Errorf("-n offers %v, want %s", got, ns)
	}
	if got := completions(t, env, "certs", "rotate", "--components", ""); !contains(got, "kubevirt") || !contains(got, "cdi") {
		t.Errorf("--components offers %v", got)
	}
	if got := completions(t, env, "maintenance", "list", "-o", ""); !contains(got, "wide") || !contains(got, "json") {
		t.Errorf("list -o offers %v", got)
	}
}

// TestBashCompletion sources the generated bash script, as a user's shell does, and asks bash
// itself for the candidates.
func TestBashCompletion(t *testing.T) {
	env := framework.Get(t)
	bashCompletion := "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Fatalf("bash-completion is not installed (.ci/run installs it): %v", err)
	}
	dir := t.TempDir()
	if err := os.Symlink(env.Bin, filepath.Join(dir, "oc-cnv")); err != nil {
		t.Fatal(err)
	}
	script := `source ` + bashCompletion + `
source <(oc-cnv completion bash)
complete_line() {
	COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
	read -r -a COMP_WORDS <<<"$COMP_LINE"
	[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	__start_oc-cnv 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}"
}
echo "--- verbs"; complete_line "oc-cnv maintenance st"
echo "--- nouns"; complete_line "oc-cnv ce"
echo "--- shells"; complete_line "oc-cnv completion "
`
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+env.Kubeconfig)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	want := "--- verbs\nstart\nstop\n--- nouns\ncerts\n--- shells\nbash\nzsh\nfish\npowershell\n"
	if string(out) != want {
		t.Errorf("bash completion:\n%s\nwant:\n%s", out, want)
	}
}

// TestKubectlPluginCompletion proves the completions/kubectl_complete-cnv helper: kubectl's
// own completion of "kubectl cnv ..." runs it from PATH.
func TestKubectlPluginCompletion(t *testing.T) {
	env := framework.Get(t)
	kubectl := os.Getenv("OC_CNV_KUBECTL")
	if kubectl == "" {
		t.Fatal("OC_CNV_KUBECTL is not set (make e2e sets it)")
	}
	dir := t.TempDir()
	if err := os.Symlink(env.Bin, filepath.Join(dir, "kubectl-cnv")); err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(framework.RepoRoot(), "completions", "kubectl_complete-cnv")
	if err := os.Symlink(helper, filepath.Join(dir, "kubectl_complete-cnv")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "__complete", "cnv", "maintenance", "st")
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+env.Kubeconfig)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl __complete: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) < 3 || !strings.HasPrefix(got[0], "start") || !strings.HasPrefix(got[1], "stop") || !strings.HasPrefix(got[len(got)-1], ":") {
		t.Errorf("kubectl cnv maintenance st<TAB> gave:\n%s", out)
	}
}
