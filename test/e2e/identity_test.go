//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"runtime"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The API server (and so its audit log and managedFields) sees one client, oc-cnv with its
// version, whichever name the plugin was invoked by.
func TestClientIdentity(t *testing.T) {
	env := framework.Get(t)
	link := env.KubectlLink(t)
	n0 := env.Nodes(t, 2).Names[0]
	// -v=7 logs each request's headers.
	res := env.RunWith(t, framework.RunOptions{Bin: link}, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "identity", "-v=7")
	if res.ExitCode != 0 {
		t.Fatalf("start: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	ua := regexp.MustCompile(`(?m)^\s*User-Agent: (.*)$`).FindAllStringSubmatch(res.Stderr, -1)
	want := regexp.MustCompile(`^oc-cnv/\S+ \(` + runtime.GOOS + `/` + runtime.GOARCH + `\) [0-9a-f]{7,12}$`)
	for _, m := range ua {
		if !want.MatchString(m[1]) {
			t.Errorf("User-Agent %q, want oc-cnv/<version> (<os>/<arch>) <commit>", m[1])
			break
		}
	}
	if len(ua) == 0 {
		t.Errorf("requests do not carry the oc-cnv/<version> User-Agent:\n%s", res.Stderr)
	}
	node, err := env.Kube.CoreV1().Nodes().Get(context.Background(), n0, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range node.ManagedFields {
		switch {
		case m.Manager == "oc-cnv":
			found = true
		case strings.Contains(m.Manager, "cnv"):
			t.Errorf("field manager %q (%s), want oc-cnv", m.Manager, m.Operation)
		}
	}
	if !found {
		t.Errorf("no field of the node is managed by oc-cnv: %v", node.ManagedFields)
	}
	if res := env.RunWith(t, framework.RunOptions{Bin: link}, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Fatalf("stop: exit %d\n%s", res.ExitCode, res.Stderr)
	}
}

// Run as kubectl-cnv, messages name kubectl commands: no `oc cnv ...` to retype and no
// `oc login` for a kubectl user.
func TestMessagesFollowInvokedName(t *testing.T) {
	env := framework.Get(t)
	link := env.KubectlLink(t)
	ns := newEstate(t, "kubevirt", longLived)
	for _, c := range []struct {
		args       []string
		kubeconfig string
		code       int
		want       string
	}{
		{[]string{"maintenance", "list"}, "/nonexistent/kubeconfig", 6, "log in to the cluster (a kubeconfig context with credentials)"},
		// Every certificate expires within 100000h: the advice names the rotate command.
		{[]string{"certs", "check", "-n", ns, "--fail-within", "100000h"}, "", 7, "`kubectl cnv "},
	} {
		res := env.RunWith(t, framework.RunOptions{Bin: link, Kubeconfig: c.kubeconfig}, c.args...)
		if res.ExitCode != c.code || !strings.Contains(res.Stderr, c.want) ||
			strings.Contains(res.Stderr, "oc cnv") || strings.Contains(res.Stderr, "`oc ") {
			t.Errorf("kubectl cnv %v: exit %d (want %d), want %q and no oc command in:\n%s", c.args, res.ExitCode, c.code, c.want, res.Stderr)
		}
	}
}
