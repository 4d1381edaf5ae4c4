//go:build e2e

package e2e

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// TestMaintenanceListWatchFollowsDrainMethod follows a --method=drain maintenance from start to
// stop with `list --watch`. The node has no NodeMaintenance, so only the watch on nodes can
// report it; its heartbeats and other changes that leave the row as it was print nothing.
// Where the operator runs, a NodeMaintenance is followed the same way beside it.
func TestMaintenanceListWatchFollowsDrainMethod(t *testing.T) {
	t.Parallel()
	env := framework.Get(t)
	nodes := env.Nodes(t, 3)
	n0, n1 := nodes.Names[0], nodes.Names[1]

	w := env.Start(t, framework.RunOptions{}, "maintenance", "list", "--watch")
	w.WaitOutput(t, 30*time.Second, "NAME")

	res := env.Run(t, "maintenance", "start", "--yes", n0, "--method=drain", "--reason", "x", "--force", "--wait")
	if res.ExitCode != 0 {
		t.Fatalf("start: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	w.WaitOutput(t, 30*time.Second, n0)
	row := regexp.MustCompile(`(?m)^<drain>\s+` + regexp.QuoteMeta(n0) + `\s+(Running|Succeeded)\s+\d+%\s+-\s+x\s`)
	framework.WaitFor(t, 30*time.Second, "the drained node's row", func() (bool, error) {
		so, _ := w.Output()
		return row.MatchString(so), nil
	})

	// A node change that leaves the row as it was, like a heartbeat: no new row.
	patch := []byte(`{"metadata":{"annotations":{"oc-cnv.io/e2e-touched":"` + time.Now().Format(time.RFC3339Nano) + `"}}}`)
	if _, err := env.Kube.CoreV1().Nodes().Patch(context.Background(), n0, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}

	res = env.Run(t, "maintenance", "stop", n0)
	if res.ExitCode != 0 {
		t.Fatalf("stop: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	deleted := regexp.MustCompile(`(?m)^<drain>\s+` + regexp.QuoteMeta(n0) + `\s+Deleted\s+\d+%\s+-\s+x\s`)
	framework.WaitFor(t, 30*time.Second, "the drained node's Deleted row", func() (bool, error) {
		so, _ := w.Output()
		return deleted.MatchString(so), nil
	})

	withOperator := mtServedAPI(t, env) == mtNMGVR.GroupVersion().String()
	if withOperator {
		if res := env.Run(t, "maintenance", "start", "--yes", n1, "--reason", "y", "--wait"); res.ExitCode != 0 {
			t.Fatalf("start %s: exit %d\n%s%s", n1, res.ExitCode, res.Stdout, res.Stderr)
		}
		nmRow := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(n1) + `-maintenance\s+` + regexp.QuoteMeta(n1) + `\s+Succeeded\s+100%\s+0/0\s+y\s`)
		framework.WaitFor(t, 30*time.Second, "the NodeMaintenance's row", func() (bool, error) {
			so, _ := w.Output()
			return nmRow.MatchString(so), nil
		})
		if res := env.Run(t, "maintenance", "stop", n1); res.ExitCode != 0 {
			t.Fatalf("stop %s: exit %d\n%s%s", n1, res.ExitCode, res.Stdout, res.Stderr)
		}
		nmDeleted := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(n1) + `-maintenance\s+` + regexp.QuoteMeta(n1) + `\s+Deleted\s`)
		framework.WaitFor(t, 30*time.Second, "the NodeMaintenance's Deleted row", func() (bool, error) {
			so, _ := w.Output()
			return nmDeleted.MatchString(so), nil
		})
	}

	if err := w.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	final := w.Wait(t, 20*time.Second)
	if final.ExitCode != 130 || final.Stderr != "" {
		t.Errorf("list --watch after SIGINT: exit %d, want 130 and nothing on stderr\n%s", final.ExitCode, final.Stderr)
	}

	// Each node's rows, AGE left out: the patch came before the stop, so it was handled before
	// the Deleted row, and it must not have repeated the row.
	rows := map[string][]string{}
	for _, l := range strings.Split(final.Stdout, "\n") {
		if f := strings.Fields(l); len(f) > 2 && (f[1] == n0 || f[1] == n1) {
			rows[f[1]] = append(rows[f[1]], strings.Join(f[:len(f)-1], " "))
		}
	}
	if r := rows[n0]; len(r) < 2 || r[len(r)-1] != "<drain> "+n0+" Deleted 100% - x" ||
		r[len(r)-2] != "<drain> "+n0+" Succeeded 100% - x" {
		t.Errorf("rows of %s:\n%s", n0, strings.Join(r, "\n"))
	}
	if withOperator && len(rows[n1]) < 2 {
		t.Errorf("rows of %s:\n%s", n1, strings.Join(rows[n1], "\n"))
	}
	for _, r := range rows {
		for i := 1; i < len(r); i++ {
			if r[i] == r[i-1] {
				t.Errorf("row printed twice without a change: %q\n%s", r[i], final.Stdout)
			}
		}
	}
}
