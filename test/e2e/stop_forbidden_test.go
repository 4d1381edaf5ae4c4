//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// A user who may read but not write is stopped by stop's pre-check, as by start's: one line
// naming the permission, exit 5, and every maintenance stays as it was.
func TestStopWithoutPermission(t *testing.T) {
	mtRequireOperator(t)
	env := framework.Get(t)
	nodes := env.Nodes(t, 3)
	n0, n1 := nodes.Names[0], nodes.Names[1]
	if res := env.Run(t, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "perm"); res.ExitCode != 0 {
		t.Fatalf("start %s: exit %d\n%s", n0, res.ExitCode, res.Stderr)
	}
	if res := env.Run(t, "maintenance", "start", n1, "--wait=false", "--yes", "--reason", "perm"); res.ExitCode != 0 {
		t.Fatalf("start %s: exit %d\n%s", n1, res.ExitCode, res.Stderr)
	}
	kc := mtRestrictedKubeconfig(t, env)
	for node, perm := range map[string]string{
		n0: "you are not allowed to patch nodes",
		n1: "you are not allowed to delete nodemaintenances.nodemaintenance.medik8s.io",
	} {
		res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "maintenance", "stop", node)
		mtOneLine(t, res, 5, perm+"; node maintenance requires cluster-admin")
		if res.Stdout != "" {
			t.Errorf("stop %s printed %q", node, res.Stdout)
		}
	}
	list := env.Run(t, "maintenance", "list")
	if !strings.Contains(list.Stdout, " "+n0+" ") || !strings.Contains(list.Stdout, n1+"-maintenance") {
		t.Errorf("a maintenance ended although stop was refused:\n%s", list.Stdout)
	}
	if res := env.Run(t, "maintenance", "stop", n0, n1); res.ExitCode != 0 {
		t.Fatalf("stop as admin: exit %d\n%s", res.ExitCode, res.Stderr)
	}
}
