//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// A VM migrating into a node holds that node's drain: KubeVirt (v1.5.0 and later) refuses to
// evict a migration's target pod. The plan shows such VMs as a hold.
func TestMaintenancePlanHoldsForIncomingMigrations(t *testing.T) {
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("live", n, "LiveMigrate", "3m", "") }, "live")
	a, b := nodes.Names[0], nodes.Names[1]
	ctx := context.Background()
	env.Apply(t, ns, "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata: {name: away}\nspec: {vmiName: live}\n")
	framework.WaitFor(t, time.Minute, "VMI live migrating into "+b, func() (bool, error) {
		vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "live", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ms := vmi.Status.MigrationState
		return ms != nil && !ms.Completed && ms.TargetNode == b && ms.TargetPod != "", nil
	})

	res := env.Run(t, "maintenance", "start", b, "--dry-run=client")
	want := fmt.Sprintf("  Migrating into this node; the drain waits for them to finish (1):\n    %s/live  from %s\n", ns, a)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Node "+b+":\n  No VMs run on this node.\n") || !strings.Contains(res.Stdout, want) {
		t.Errorf("plan of %s: exit %d, want %q:\n%s%s", b, res.ExitCode, want, res.Stdout, res.Stderr)
	}
	mtAssertUntouched(t, env, b)

	// What holds the drain: the target pod's eviction is refused with a 429.
	vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "live", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	target := vmi.Status.MigrationState.TargetPod
	err = env.Kube.CoreV1().Pods(ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: target}})
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "Eviction request for target Pod") {
		t.Errorf("evicting the target pod %s: %v; want 429 Eviction request for target Pod", target, err)
	}
	if vmi.Status.NodeName != a {
		t.Errorf("VMI live is on %s, want still on %s while migrating", vmi.Status.NodeName, a)
	}
}
