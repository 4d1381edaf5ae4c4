//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// A drained guest shuts down gracefully and its VMI ends Succeeded, which only runStrategy
// Always starts again. The plan says which VMs stay off; the finished VMI keeps the node's
// label, and neither the progress nor a later plan counts it as still on the node. (The drain
// is oc-cnv's own, so the test runs with or without the operator.)
func TestMaintenanceShutdownFollowsRunStrategy(t *testing.T) {
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		return framework.VMYAML("always", n, framework.VMSpec{EvictionStrategy: "None"}) +
			framework.VMYAML("rerun", n, framework.VMSpec{EvictionStrategy: "None", RunStrategy: "RerunOnFailure"})
	}, "always", "rerun")
	n0 := nodes.Names[0]
	ctx := context.Background()
	vmis := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns)
	before := map[string]string{}
	for _, name := range []string{"always", "rerun"} {
		vmi, err := vmis.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before[name] = string(vmi.UID)
	}

	res := env.Run(t, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "psu")
	if res.ExitCode != 0 {
		t.Fatalf("start: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, want := range []string{
		fmt.Sprintf("  Will be shut down and restarted elsewhere (1):\n    %s/always  None\n", ns),
		fmt.Sprintf("  Will be shut down and NOT restarted (1):\n    %s/rerun  None  runStrategy RerunOnFailure does not rerun a guest that shut down cleanly\n", ns),
		fmt.Sprintf("%s: VM %s/rerun ShutDown", n0, ns),
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("start output lacks %q:\n%s", want, res.Stdout)
		}
	}

	always := env.WaitVMIRunning(t, ns, "always", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName != n0 })
	if string(always.UID) == before["always"] {
		t.Errorf("the Always VM was not shut down and started again")
	}
	var rerun *virtv1.VirtualMachineInstance
	framework.WaitFor(t, 30*time.Second, "the RerunOnFailure VMI to end Succeeded", func() (bool, error) {
		var err error
		rerun, err = vmis.Get(ctx, "rerun", metav1.GetOptions{})
		return err == nil && rerun.Status.Phase == virtv1.Succeeded, err
	})
	// The Always VM was started again by now: the VM controller had its chance with this one too.
	if string(rerun.UID) != before["rerun"] || rerun.Labels[virtv1.NodeNameLabel] != n0 {
		t.Errorf("rerun VMI: uid %s (was %s), node label %q; want the same VMI, Succeeded, still labelled %s",
			rerun.UID, before["rerun"], rerun.Labels[virtv1.NodeNameLabel], n0)
	}

	if res := env.Run(t, "maintenance", "stop", n0); res.ExitCode != 0 {
		t.Fatalf("stop: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	res = env.Run(t, "maintenance", "start", n0, "--dry-run=client")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Node "+n0+":\n  No VMs run on this node.\n") || strings.Contains(res.Stdout, "/rerun") {
		t.Errorf("a later plan of %s: exit %d\n%s%s", n0, res.ExitCode, res.Stdout, res.Stderr)
	}
}

// A VM's hotplug volume pod, as virt-controller makes it (hp-volume-*, kubevirt.io=hotplug-disk,
// controlled by the launcher pod), is listed with its VM where KubeVirt refuses to evict it while
// the launcher runs (v1.7.0 and later): it leaves with the VM, not as one of the other pods. On
// v1.6.0 the drain evicts it like any pod, and the plan counts it so.
func TestMaintenancePlanListsHotplugPodsWithTheirVM(t *testing.T) {
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string { return mtVM("live", n, "LiveMigrate", "", "") }, "live")
	n0 := nodes.Names[0]
	ctx := context.Background()
	vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "live", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var launcher *corev1.Pod
	pods, err := env.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "kubevirt.io=virt-launcher"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pods.Items {
		if _, active := vmi.Status.ActivePods[pods.Items[i].UID]; active {
			launcher = &pods.Items[i]
		}
	}
	if launcher == nil {
		t.Fatalf("no active launcher pod of VMI live among %d pods", len(pods.Items))
	}
	hp, err := env.Kube.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "hp-volume-", Labels: map[string]string{"kubevirt.io": "hotplug-disk"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(launcher, corev1.SchemeGroupVersion.WithKind("Pod"))}},
		Spec: corev1.PodSpec{NodeName: n0, Containers: []corev1.Container{{Name: "hotplug-disk", Image: "registry.invalid/virt-launcher:sim"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env.SetKubeVirtVersion(t, "v1.6.0")
	res := env.Run(t, "maintenance", "start", n0, "--dry-run=client")
	want := fmt.Sprintf("    %s/live  LiveMigrate\n", ns)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, want) || !strings.Contains(res.Stdout, "  Other pods to evict: 1\n") {
		t.Errorf("plan on KubeVirt v1.6.0: exit %d, want %q and the hotplug pod among the other pods:\n%s%s", res.ExitCode, want, res.Stdout, res.Stderr)
	}

	env.SetKubeVirtVersion(t, "v1.7.0")
	res = env.Run(t, "maintenance", "start", n0, "--dry-run=client")
	want = fmt.Sprintf("    %s/live  LiveMigrate  hotplug volume pods leave with it: %s\n", ns, hp.Name)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, want) || !strings.Contains(res.Stdout, "  Other pods to evict: 0\n") {
		t.Errorf("plan on KubeVirt v1.7.0: exit %d, want %q and no other pods:\n%s%s", res.ExitCode, want, res.Stdout, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}
