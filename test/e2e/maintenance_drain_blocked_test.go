//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// TestMaintenanceDrainMethodBlockedByVM drives `maintenance start --method=drain` (oc-cnv
// cordons and drains the node itself, no NodeMaintenance) on a node that runs a VM which can
// neither be live-migrated nor evicted: evictionStrategy LiveMigrate with a ReadWriteOnce disk,
// so KubeVirt's virt-api (its eviction webhook) answers every eviction of its launcher pod with
// 429. The plan refuses without --force; with --force the drain cordons the node and then stalls
// on the VM. The default --stall-timeout (30s) is shorter than --timeout 45s, so the wait ends as
// stuck (exit 4, blocked), not as timed out (exit 3). The node stays cordoned with the VM still
// running on it; describe shows the blocking VM; a re-run with --timeout 5s ends as timed out
// (exit 3); stop uncordons the node and list forgets it.
func TestMaintenanceDrainMethodBlockedByVM(t *testing.T) {
	t.Parallel()
	env := framework.Get(t)
	ctx := context.Background()
	ns := env.Namespace(t)
	nodes := env.Nodes(t, 2)
	n0 := nodes.Names[0]

	// Start the VM on n0: keep n1 cordoned until its VMI runs there.
	env.Cordon(t, nodes.Names[1:], true)
	env.Apply(t, ns, framework.RWOClaimYAML+framework.VMYAML("rwo", nodes, framework.VMSpec{
		EvictionStrategy: "LiveMigrate", Volumes: framework.RWOVolumeYAML,
	}))
	vmi := env.WaitVMIRunning(t, ns, "rwo", func(v *virtv1.VirtualMachineInstance) bool {
		if v.Status.NodeName != n0 {
			return false
		}
		for _, c := range v.Status.Conditions {
			if c.Type == virtv1.VirtualMachineInstanceIsMigratable {
				return c.Status == corev1.ConditionFalse && c.Reason == "DisksNotLiveMigratable"
			}
		}
		return false
	})
	env.Cordon(t, nodes.Names[1:], false)
	pod := dbbLauncherPod(t, env, ns, "rwo", n0)
	podKey := ns + "/" + pod

	// KubeVirt's reason, from the VMI's LiveMigratable condition.
	why := "DisksNotLiveMigratable: cannot migrate VMI: PVC data-rwo is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)"
	planBlock := "  Will block the drain (1):\n    " + ns + "/rwo  LiveMigrate  not live-migratable: " + why + "\n"

	refusal := "error when evicting pods/\"" + pod + "\" -n \"" + ns + "\" (will retry after 5s): " +
		"admission webhook \"virt-launcher-eviction-interceptor.kubevirt.io\" denied the request: " +
		"VMI rwo is configured with an eviction strategy but is not live-migratable"

	// Each step needs the one before it: a failed step ends the test. The drain started in one
	// step is waited for in a later one, so it belongs to the test, not to its step.
	test := t
	var (
		p     *framework.Process
		began time.Time
		out   framework.Result
	)
	if !t.Run("refused without --force", func(t *testing.T) {
		// Without --force the plan names the VM as blocking and nothing is changed.
		res := env.Run(t, "maintenance", "start", "--yes", n0, "--method=drain", "--reason", "x")
		if res.ExitCode != 4 {
			t.Fatalf("start without --force: exit %d, want 4 (blocked)\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		if !strings.Contains(res.Stdout, planBlock) {
			t.Errorf("the plan does not name the blocking VM; want %q in:\n%s", planBlock, res.Stdout)
		}
		for _, want := range []string{
			"error: refusing to start maintenance on node " + n0 + ": 1 VM(s) would block the drain",
			"\n  " + ns + "/rwo: evictionStrategy LiveMigrate but " + why + "\n",
			"pass --force",
		} {
			if !strings.Contains(res.Stderr, want) {
				t.Errorf("refusal lacks %q:\n%s", want, res.Stderr)
			}
		}
		if got := dbbErrorLines(res.Stderr); len(got) != 1 {
			t.Errorf("refusal: error lines %q, want 1:\n%s", got, res.Stderr)
		}
		dbbAssertNodeUntouched(t, env, n0)
	}) {
		return
	}
	if !t.Run("--force stalls on the VM", func(t *testing.T) {
		// --force: the node is cordoned and drained until only the VM is left, then the wait gives
		// up as stuck after the stall timeout.
		began = time.Now()
		p = env.Start(test, framework.RunOptions{}, "maintenance", "start", "--yes", n0, "--method=drain", "--reason", "x", "--force", "--wait", "--timeout", "45s")
		p.WaitOutput(t, 40*time.Second, n0+": VM "+ns+"/rwo Blocked: not live-migratable: "+why+"\n")
		p.WaitOutput(t, 40*time.Second, n0+": the drain is not progressing: every VM left blocks it")
	}) {
		return
	}
	if !t.Run("describe while blocked", func(t *testing.T) {
		// describe while blocked: the node is cordoned by oc-cnv and the VM blocks the drain. The
		// drain records its first refusal on the node as it meets it, which can be a moment after
		// the progress line above.
		framework.WaitFor(t, 20*time.Second, "the drain's refusal recorded on node "+n0, func() (bool, error) {
			n, err := env.Kube.CoreV1().Nodes().Get(ctx, n0, metav1.GetOptions{})
			return err == nil && n.Annotations["oc-cnv.io/maintenance-last-error"] != "", err
		})
		res := env.Run(t, "maintenance", "describe", n0)
		if res.ExitCode != 0 {
			t.Fatalf("describe while blocked: exit %d: %s", res.ExitCode, res.Stderr)
		}
		for _, want := range []string{
			"Name:     <none> (drained by oc-cnv --method=drain)\nNode:     " + n0 + "\nReason:   x\n",
			"  Phase:           Running\n",
			"  Unschedulable:  true\n",
			"medik8s.io/drain:NoSchedule",
			// The launcher pod the drain cannot evict, read from the node (nothing records the
			// drain's own progress with this method).
			"  Pending Pods:    " + ns + "/" + pod + "\n",
			// The drain's last refusal, which it records on the node for exactly this.
			"  Last Error:      " + refusal + "\n  Last Update:     ",
		} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("describe while blocked lacks %q:\n%s", want, res.Stdout)
			}
		}
		if row := dbbRow(res.Stdout, "  "+ns+"/rwo "); row != ns+"/rwo Running LiveMigrate False (DisksNotLiveMigratable) <none> blocks the drain" {
			t.Errorf("describe VM row %q; output:\n%s", row, res.Stdout)
		}
	}) {
		return
	}
	if !t.Run("ends as stuck", func(t *testing.T) {
		out = p.Wait(t, 60*time.Second)
		took := time.Since(began)
		if out.ExitCode != 4 {
			t.Fatalf("start --force: exit %d, want 4 (stuck: --stall-timeout 30s ends the wait before --timeout 45s)\nstderr:\n%s", out.ExitCode, out.Stderr)
		}
		if took >= 45*time.Second {
			t.Errorf("the stuck drain took %s to be reported, not less than --timeout 45s", took)
		}
		t.Logf("start --force --method=drain exited %d after %s", out.ExitCode, took.Round(100*time.Millisecond))
		for _, want := range []string{
			fmt.Sprintf("%s: Running, drain 0%%, 0/1 pods evicted\n", n0),
			fmt.Sprintf("%s: last error: error when evicting pods/%q -n %q (will retry after 5s): ", n0, pod, ns),
			"VMI rwo is configured with an eviction strategy but is not live-migratable",
		} {
			if !strings.Contains(out.Stdout, want) {
				t.Errorf("progress lacks %q:\n%s", want, out.Stdout)
			}
		}
		if strings.Contains(out.Stdout, "is in maintenance:") {
			t.Errorf("a blocked drain reports success:\n%s", out.Stdout)
		}

		// stderr: the --force warning, then exactly one "error: " line naming the node, followed by
		// what is left (the VM and its launcher pod, with KubeVirt's reason) and what to do.
		errLines := dbbErrorLines(out.Stderr)
		wantErr := fmt.Sprintf("error: the drain of node %s is stuck: for 30s only VMs that cannot be evicted are left; the maintenance stays in place", n0)
		if len(errLines) != 1 || errLines[0] != wantErr {
			t.Errorf("want one error line %q, got %q in:\n%s", wantErr, errLines, out.Stderr)
		}
		if !strings.HasPrefix(out.Stderr, "warning: --force: the drain cannot finish while the VMs that block it are on the node") {
			t.Errorf("stderr does not start with the --force warning:\n%s", out.Stderr)
		}
		for _, want := range []string{
			"\nstill on node " + n0 + ":\n",
			"\n  VM " + ns + "/rwo: Blocked: not live-migratable: " + why + "\n",
			"\n  pod " + podKey + ": waiting for eviction\n",
			"\nlast error: " + refusal + "\n",
			"\nto unblock: make the blocking VMs live-migratable, stop them, or change their evictionStrategy; the drain continues by itself once they are gone\n",
		} {
			if !strings.Contains(out.Stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, out.Stderr)
			}
		}
	}) {
		return
	}
	if !t.Run("node left in maintenance", func(t *testing.T) {
		// The node stays cordoned, tainted and marked; the VM was neither evicted nor killed.
		n, err := env.Kube.CoreV1().Nodes().Get(ctx, n0, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !n.Spec.Unschedulable || !dbbHasTaint(n, "medik8s.io/drain") || n.Labels["oc-cnv.io/maintenance"] != "drain" {
			t.Errorf("node %s not left cordoned, tainted and marked: unschedulable=%t taints=%v labels=%v", n0, n.Spec.Unschedulable, n.Spec.Taints, n.Labels)
		}
		dbbAssertVMIntact(t, env, ns, vmi, pod, n0)
		for _, gvr := range framework.NodeMaintenanceGVRs {
			list, err := env.Dynamic.Resource(gvr).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for _, nm := range list.Items {
				if node, _, _ := unstructured.NestedString(nm.Object, "spec", "nodeName"); node == n0 {
					t.Errorf("--method=drain created a NodeMaintenance: %s", nm.GetName())
				}
			}
		}
		res := env.Run(t, "maintenance", "list")
		if row := dbbListRow(res.Stdout, n0); res.ExitCode != 0 || row != "<drain> "+n0+" Running - - x AGE" {
			t.Errorf("list while blocked: exit %d, row %q:\n%s", res.ExitCode, row, res.Stdout)
		}
	}) {
		return
	}
	if !t.Run("re-run times out", func(t *testing.T) {
		// A re-run follows the drain again; with --timeout shorter than the stall timeout the wait
		// ends as timed out (exit 3), not stuck, and the maintenance again stays in place.
		res := env.Run(t, "maintenance", "start", "--yes", n0, "--method=drain", "--timeout", "5s")
		if res.ExitCode != 3 {
			t.Fatalf("re-run with --timeout 5s: exit %d, want 3 (timeout)\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		if !strings.HasPrefix(res.Stdout, "Node "+n0+" is already in maintenance (drained by ") {
			t.Errorf("re-run does not say the node is already in maintenance:\n%s", res.Stdout)
		}
		wantErr := fmt.Sprintf("error: timed out after 5s waiting for node %s to be drained (phase Running, drain 0%%); the maintenance stays in place", n0)
		if !strings.HasPrefix(res.Stderr, wantErr+"\n") || len(dbbErrorLines(res.Stderr)) != 1 || !strings.Contains(res.Stderr, "\n  VM "+ns+"/rwo: Blocked: ") {
			t.Errorf("re-run: want one error line %q followed by the blocking VM, got:\n%s", wantErr, res.Stderr)
		}
		dbbAssertVMIntact(t, env, ns, vmi, pod, n0)
	}) {
		return
	}
	if !t.Run("stop releases the node", func(t *testing.T) {
		// stop: uncordoned, taint and marker gone; the VM still runs where it was.
		res := env.Run(t, "maintenance", "stop", n0)
		if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "Node "+n0+" uncordoned and its drain taint removed.\n") || res.Stderr != "" {
			t.Fatalf("stop: exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
		}
		// The node controller mirrors spec.unschedulable into its taint asynchronously.
		framework.WaitFor(t, 30*time.Second, "node "+n0+" released", func() (bool, error) {
			n, err := env.Kube.CoreV1().Nodes().Get(ctx, n0, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if n.Spec.Unschedulable || len(n.Spec.Taints) != 1 || n.Spec.Taints[0].Key != framework.TestTaintKey || n.Labels["oc-cnv.io/maintenance"] != "" {
				return false, fmt.Errorf("unschedulable=%t taints=%v labels=%v", n.Spec.Unschedulable, n.Spec.Taints, n.Labels)
			}
			for k := range n.Annotations {
				if strings.HasPrefix(k, "oc-cnv.io/") {
					return false, fmt.Errorf("stop left annotation %s", k)
				}
			}
			return true, nil
		})
		res = env.Run(t, "maintenance", "list")
		if row := dbbListRow(res.Stdout, n0); res.ExitCode != 0 || row != "" {
			t.Errorf("list after stop: exit %d, still shows %q", res.ExitCode, row)
		}
		dbbAssertVMIntact(t, env, ns, vmi, pod, n0)
	}) {
		return
	}
}

// dbbAge matches the ages list prints, such as 45s or 2m10s.
var dbbAge = regexp.MustCompile(`^\d+(s|m|h|d)(\d+(s|m))?$`)

// dbbLauncherPod returns the name of the running launcher pod of VMI name on node.
func dbbLauncherPod(t *testing.T, env *framework.Env, ns, name, node string) string {
	t.Helper()
	var pod string
	framework.WaitFor(t, 30*time.Second, "the launcher pod of "+name+" running on "+node, func() (bool, error) {
		pods, err := env.Kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "kubevirt.io=virt-launcher,vm.kubevirt.io/name=" + name})
		if err != nil {
			return false, err
		}
		for _, p := range pods.Items {
			if p.Spec.NodeName == node && p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				pod = p.Name
				return true, nil
			}
		}
		return false, nil
	})
	return pod
}

// dbbAssertVMIntact checks that the VMI is the same object, still Running on node, and that its
// launcher pod was neither evicted nor deleted.
func dbbAssertVMIntact(t *testing.T, env *framework.Env, ns string, before *virtv1.VirtualMachineInstance, pod, node string) {
	t.Helper()
	ctx := context.Background()
	vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, before.Name, metav1.GetOptions{})
	if err != nil || vmi.UID != before.UID || vmi.Status.Phase != virtv1.Running || vmi.Status.NodeName != node || vmi.DeletionTimestamp != nil {
		t.Errorf("VMI %s should still run on %s: err %v, uid %s (was %s), status %+v", before.Name, node, err, vmi.UID, before.UID, vmi.Status)
	}
	p, err := env.Kube.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp != nil || p.Spec.NodeName != node || p.Status.Phase != corev1.PodRunning {
		t.Errorf("launcher pod %s should still run on %s: err %v", pod, node, err)
	}
}

// dbbAssertNodeUntouched checks that nothing was written for the node.
func dbbAssertNodeUntouched(t *testing.T, env *framework.Env, node string) {
	t.Helper()
	n, err := env.Kube.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.Unschedulable || dbbHasTaint(n, "medik8s.io/drain") || dbbHasTaint(n, corev1.TaintNodeUnschedulable) || n.Labels["oc-cnv.io/maintenance"] != "" {
		t.Fatalf("node %s was changed: unschedulable=%t taints=%v labels=%v", node, n.Spec.Unschedulable, n.Spec.Taints, n.Labels)
	}
}

func dbbHasTaint(n *corev1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key {
			return true
		}
	}
	return false
}

// dbbErrorLines returns the lines of stderr that start with "error: ".
func dbbErrorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "error: ") {
			out = append(out, l)
		}
	}
	return out
}

// dbbRow returns the line starting with prefix, its fields joined by single spaces.
func dbbRow(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return ""
}

// dbbListRow returns node's row of `maintenance list`, its fields joined by single spaces and
// the age (the last column) replaced by AGE; "" when absent.
func dbbListRow(out, node string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[1] == node {
			if dbbAge.MatchString(f[len(f)-1]) {
				f[len(f)-1] = "AGE"
			}
			return strings.Join(f, " ")
		}
	}
	return ""
}
