//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// Taking the last schedulable node is refused even with --force, and the refusal says so and
// why.
func TestStartLastSchedulableNodeCannotBeForced(t *testing.T) {
	env := framework.Get(t)
	env.Nodes(t, 1)
	res := env.Run(t, "maintenance", "start", "-l", "!oc-cnv.io/no-such-label", "--force", "--yes")
	mtOneLine(t, res, 4, "this cannot be overridden, not even with --force: the drain would evict them with nowhere to run, so it could never finish")
}

// A second start with another --reason keeps the maintenance as it is and says which reason
// stays, for both methods.
func TestStartOtherReasonOnNodeInMaintenance(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	nodes := env.Nodes(t, 3)
	n0, n1 := nodes.Names[0], nodes.Names[1]
	for _, c := range []struct {
		node   string
		method []string
	}{{n0, []string{"--method=drain"}}, {n1, []string{"--wait=false"}}} {
		args := append([]string{"maintenance", "start", c.node, "--yes"}, c.method...)
		if res := env.Run(t, append(args, "--reason", "first")...); res.ExitCode != 0 {
			t.Fatalf("start %s: exit %d\n%s", c.node, res.ExitCode, res.Stderr)
		}
		res := env.Run(t, append(args, "--reason", "second")...)
		want := `Its reason stays "first": --reason "second" was not applied (stop the maintenance and start it again to change it).`
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "is already in maintenance") || !strings.Contains(res.Stdout, want) {
			t.Errorf("second start of %s: exit %d, want %q in:\n%s%s", c.node, res.ExitCode, want, res.Stdout, res.Stderr)
		}
	}
	node, err := env.Kube.CoreV1().Nodes().Get(context.Background(), n0, metav1.GetOptions{})
	if err != nil || node.Annotations["oc-cnv.io/maintenance-reason"] != "first" {
		t.Errorf("reason of %s's drain: %v %v", n0, node.Annotations, err)
	}
	for _, nm := range mtMaintenances(t, env, n1) {
		if r, _, _ := unstructured.NestedString(nm.Object, "spec", "reason"); r != "first" {
			t.Errorf("NodeMaintenance %s reason %q, want first", nm.GetName(), r)
		}
	}
	if res := env.Run(t, "maintenance", "stop", n0, n1); res.ExitCode != 0 {
		t.Fatalf("stop: exit %d\n%s", res.ExitCode, res.Stderr)
	}
}
