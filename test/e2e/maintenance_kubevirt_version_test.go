//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The warning before a drain with virt-api down follows the KubeVirt version the cluster
// reports (the KubeVirt CR's status.observedKubeVirtVersion): from v1.5.0 virt-api's eviction
// webhook fails closed and every VM waits; before, it failed open, so nothing was live-migrated
// and only the disruption budgets held the VMs that should have been.
func TestMaintenanceVirtAPIWarningFollowsKubeVirtVersion(t *testing.T) {
	env, _, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("live", n, "LiveMigrate", "", "") }, "live")
	n0 := nodes.Names[0]
	ns := env.CNVNamespace
	scale(t, ns, "virt-api", 0)
	t.Cleanup(func() { scale(t, ns, "virt-api", 1) })
	framework.WaitFor(t, time.Minute, "virt-api without a ready pod", func() (bool, error) {
		pods, err := env.Kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "kubevirt.io=virt-api"})
		return err == nil && len(pods.Items) == 0, err
	})
	for _, c := range []struct{ version, want string }{
		{"v1.6.0", "warning: virt-api has no ready pod in namespace " + ns + ": the eviction webhook of KubeVirt v1.6.0 fails closed, " +
			"so VM pods cannot be evicted and the drain waits until virt-api is back\n"},
		{"v1.4.2", "warning: virt-api has no ready pod in namespace " + ns + ": the eviction webhook of KubeVirt v1.4.2 fails open, " +
			"so no VM is live-migrated: VMs with an eviction strategy wait, held by their PodDisruptionBudgets, until virt-api is back, " +
			"and the others are shut down as planned\n"},
	} {
		env.SetKubeVirtVersion(t, c.version)
		res := env.Run(t, "maintenance", "start", n0, "--method=drain", "--dry-run=client")
		if res.ExitCode != 0 || !strings.Contains(res.Stderr, c.want) {
			t.Errorf("KubeVirt %s: exit %d, want %q in:\n%s", c.version, res.ExitCode, c.want, res.Stderr)
		}
	}
	mtAssertUntouched(t, env, n0)
}
