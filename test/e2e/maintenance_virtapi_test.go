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

// virt-api's launcher-eviction webhook fails closed (KubeVirt v1.5.0 and later): with virt-api
// down, evicting a VM's pod fails with "failed calling webhook". The webhook is KubeVirt's own
// virt-api process, registered as virt-operator registers it (hack/tools/kubevirt
// virt-api-harness). The plan warns that virt-api has no ready pod, the drain waits for it
// instead of giving up as kubectl's helper does, progress and describe name the cause, and the
// drain finishes once virt-api answers again.
func TestMaintenanceDrainWaitsForUnreachableVirtAPI(t *testing.T) {
	env, _, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("plain", n, "None", "", "") }, "plain")
	n0 := nodes.Names[0]
	ctx := context.Background()

	scale(t, env.CNVNamespace, "virt-api", 0)
	t.Cleanup(func() { scale(t, env.CNVNamespace, "virt-api", 1) })
	framework.WaitFor(t, time.Minute, "virt-api without a ready pod", func() (bool, error) {
		pods, err := env.Kube.CoreV1().Pods(env.CNVNamespace).List(ctx, metav1.ListOptions{LabelSelector: "kubevirt.io=virt-api"})
		return err == nil && len(pods.Items) == 0, err
	})
	// The API server can no longer call the webhook: KubeVirt's virt-api process is stopped, its
	// webhook configuration stays registered, as when virt-api's Service has no endpoint.
	osClusterScript(t, env, "virt-api", "stop")
	restored := false
	t.Cleanup(func() {
		if !restored {
			osClusterScript(t, env, "virt-api", "start")
		}
	})

	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "psu", "--timeout", "3m")
	p.WaitOutput(t, time.Minute, n0+": last error: virt-api unreachable: its eviction webhook fails closed")
	framework.WaitFor(t, time.Minute, "describe naming virt-api as the cause", func() (bool, error) {
		res := env.Run(t, "maintenance", "describe", n0)
		return strings.Contains(res.Stdout, "  Last Error:      virt-api unreachable: its eviction webhook fails closed, so VM pods cannot be evicted until it answers"), nil
	})
	if _, done := p.Exited(); done {
		t.Fatalf("the drain gave up while virt-api was unreachable")
	}

	osClusterScript(t, env, "virt-api", "start")
	restored = true
	scale(t, env.CNVNamespace, "virt-api", 1)
	res := p.Wait(t, 2*time.Minute)
	if res.ExitCode != 0 {
		t.Fatalf("start: exit %d once virt-api answered again", res.ExitCode)
	}
	if !strings.Contains(res.Stderr, "warning: virt-api has no ready pod in namespace "+env.CNVNamespace) {
		t.Errorf("no warning before the drain:\n%s", res.Stderr)
	}
	if res := env.Run(t, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Errorf("stop: exit %d", res.ExitCode)
	}
}
