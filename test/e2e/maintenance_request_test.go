//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

const reqCordonMark = "oc-cnv.io/cordoned-for-maintenance"

// reqReplicaSet is a ReplicaSet of plain pods pinned to the test's nodes.
func reqReplicaSet(name string, replicas int, nodes framework.TestNodes) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
%[3]s      containers:
      - {name: c, image: registry.k8s.io/pause:3.10}
---
`, name, replicas, nodes.PlacementYAML(6))
}

// reqPodUIDs records the UID of every pod of the ReplicaSet that exists from now on.
func reqPodUIDs(t *testing.T, env *framework.Env, ns, app string) func() map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := env.Kube.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]string{}
	go func() {
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok && ev.Type != watch.Error {
				mu.Lock()
				if p.Spec.NodeName != "" || seen[string(p.UID)] == "" {
					seen[string(p.UID)] = p.Name + "@" + p.Spec.NodeName
				}
				mu.Unlock()
			}
		}
	}()
	return func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]string{}
		for k, v := range seen {
			out[k] = v
		}
		return out
	}
}

// TestMaintenanceSeveralNodesMoveEachVMOnce drains two nodes of three in one request. The
// request's nodes are cordoned before the first drain, so every VM and pod of the first node
// goes to the third one directly: exactly one evacuation migration per VM, and no pod evicted
// twice (each of the ReplicaSet's pods is replaced once).
func TestMaintenanceSeveralNodesMoveEachVMOnce(t *testing.T) {
	mtRequireOperator(t)
	vms := []string{"vm-a", "vm-b", "vm-c", "vm-d"}
	env, ns, nodes := mtEstate(t, 3, func(n framework.TestNodes) string {
		m := reqReplicaSet("web", 2, n)
		for _, name := range vms {
			m += mtVM(name, n, "LiveMigrate", "", "")
		}
		return m
	}, vms...)
	n0, n1, n2 := nodes.Names[0], nodes.Names[1], nodes.Names[2]
	ctx := context.Background()
	framework.WaitFor(t, time.Minute, "the ReplicaSet's pods running on "+n0, func() (bool, error) {
		pods, err := env.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName == n0 && p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return running == 2, nil
	})
	uids := reqPodUIDs(t, env, ns, "web")

	res := env.Run(t, "maintenance", "start", n0, n1, "--reason", "rack", "--yes")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	for _, want := range []string{
		"  VMs can go to: " + n2 + "\n",
		fmt.Sprintf("Cordoned %s, %s first, so that nothing evicted from one node of the request lands on another", n0, n1),
		"All 2 nodes are in maintenance.\n",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
		}
	}
	cordoned := strings.Index(res.Stdout, "Cordoned ")
	created := strings.Index(res.Stdout, "NodeMaintenance "+n0+"-maintenance created")
	if cordoned < 0 || created < 0 || cordoned > created {
		t.Errorf("the request's nodes were not cordoned before the first maintenance:\n%s", res.Stdout)
	}

	migs, err := env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	perVM := map[string][]string{}
	for _, m := range migs.Items {
		target := ""
		if m.Status.MigrationState != nil {
			target = m.Status.MigrationState.TargetNode
		}
		perVM[m.Spec.VMIName] = append(perVM[m.Spec.VMIName], fmt.Sprintf("%s→%s (%s)", m.Name, target, m.Status.Phase))
	}
	for _, name := range vms {
		if len(perVM[name]) != 1 {
			t.Errorf("VM %s: %d evacuation migrations, want exactly 1: %v", name, len(perVM[name]), perVM[name])
		}
		env.WaitVMIRunning(t, ns, name, func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == n2 })
	}
	// Two pods at the start, each replaced once when n0 was drained: four in all, the last two
	// on n2. A pod evicted twice would have added a fifth.
	framework.WaitFor(t, time.Minute, "the ReplicaSet's replacements running on "+n2, func() (bool, error) {
		pods, err := env.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		on := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName == n2 && p.DeletionTimestamp == nil {
				on++
			}
		}
		return on == 2, nil
	})
	if seen := uids(); len(seen) != 4 {
		t.Errorf("ReplicaSet pods seen: %d, want 4 (2 replaced once each): %v", len(seen), seen)
	}
	for _, n := range []string{n0, n1} {
		node, err := env.Kube.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := node.Annotations[reqCordonMark]; ok {
			t.Errorf("node %s in maintenance keeps the request's cordon mark", n)
		}
	}
}

// TestMaintenanceInterruptedRequestReleasesItsCordons interrupts a three-node request while the
// first node drains: the node it cordoned and did not start is uncordoned and loses the mark,
// the node an admin had cordoned before stays cordoned, and the first stays in maintenance.
func TestMaintenanceInterruptedRequestReleasesItsCordons(t *testing.T) {
	mtRequireOperator(t)
	t.Parallel()
	env, _, nodes := mtEstate(t, 4, func(n framework.TestNodes) string { return mtVM("slow", n, "LiveMigrate", "10m", "") }, "slow")
	n0, n1, n2 := nodes.Names[0], nodes.Names[1], nodes.Names[2]
	ctx := context.Background()
	env.Cordon(t, []string{n2}, true)

	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", n0, n1, n2, "--yes")
	p.WaitOutput(t, 60*time.Second, "Migrating")
	node := func(name string) *corev1.Node {
		n, err := env.Kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := node(n1); !n.Spec.Unschedulable || n.Annotations[reqCordonMark] == "" {
		t.Fatalf("while %s drains, %s must be cordoned by the request: unschedulable=%t annotations=%v", n0, n1, n.Spec.Unschedulable, n.Annotations)
	}
	if _, ok := node(n2).Annotations[reqCordonMark]; ok {
		t.Fatalf("%s was cordoned before the request and must not carry its mark", n2)
	}
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	res := p.Wait(t, 30*time.Second)
	if res.ExitCode != 130 {
		t.Fatalf("exit %d, want 130", res.ExitCode)
	}
	if want := fmt.Sprintf("Uncordoned %s again: their maintenance did not start.\n", n1); !strings.Contains(res.Stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
	}
	// The operator serves one NodeMaintenance at a time; when other tests keep it busy, the
	// command may warn that it has not reported yet. The outcome is the last line.
	if want := fmt.Sprintf("error: stopped waiting; node %[1]s stays in maintenance. To end it: oc cnv maintenance stop %[1]s\n", n0); !strings.HasSuffix(res.Stderr, want) || strings.Count(res.Stderr, "error:") != 1 {
		t.Errorf("stderr %q, want it to end with %q", res.Stderr, want)
	}
	if n := node(n1); n.Spec.Unschedulable || n.Annotations[reqCordonMark] != "" {
		t.Errorf("%s not released: unschedulable=%t annotations=%v", n1, n.Spec.Unschedulable, n.Annotations)
	}
	if n := node(n2); !n.Spec.Unschedulable {
		t.Errorf("%s was cordoned before the request and was uncordoned by it", n2)
	}
	if len(mtMaintenances(t, env, n0)) != 1 || len(mtMaintenances(t, env, n1)) != 0 || len(mtMaintenances(t, env, n2)) != 0 {
		t.Errorf("only %s must be in maintenance", n0)
	}
	if _, ok := node(n0).Annotations[reqCordonMark]; ok {
		t.Errorf("%s, in maintenance, keeps the request's mark", n0)
	}
}

// TestMaintenanceDrainMethodNeedsPatchNotUpdate runs --method=drain as a user whose role grants
// exactly the requests of maintenance.Requests for reading, --method=drain and its stop: patch
// on nodes but not update. Preflight passes, and so does every write after it.
func TestMaintenanceDrainMethodNeedsPatchNotUpdate(t *testing.T) {
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		return mtVM("live", n, "LiveMigrate", "", "") + mtVM("plain", n, "None", "", "")
	}, "live", "plain")
	n0 := nodes.Names[0]
	ctx := context.Background()

	rules := map[string]*rbacv1.PolicyRule{}
	var order []string
	for _, r := range maintenance.Requests {
		used := false
		for _, op := range r.Ops {
			used = used || op == maintenance.OpRead || op == maintenance.OpStartDrain || op == maintenance.OpStopDrain
		}
		if !used {
			continue
		}
		group, resource := r.Group, r.Resource
		if r.NodeMaintenance {
			group, resource = mtNMGVR.Group, mtNMGVR.Resource
		}
		if r.Subresource != "" {
			resource += "/" + r.Subresource
		}
		key := group + "|" + resource
		if rules[key] == nil {
			rules[key] = &rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}}
			order = append(order, key)
		}
		rules[key].Verbs = append(rules[key].Verbs, r.Verb)
	}
	name := "e2e-" + framework.ID(t)
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, k := range order {
		for _, v := range rules[k].Verbs {
			if v == "update" && rules[k].Resources[0] == "nodes" {
				t.Fatalf("the table grants update on nodes; this test proves it is not needed")
			}
		}
		role.Rules = append(role.Rules, *rules[k])
	}
	if _, err := env.Kube.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	saNS, sa, token := biServiceAccountToken(t, env)
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: saNS}}}
	if _, err := env.Kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = env.Kube.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	kc := env.TokenKubeconfig(t, token)
	as := framework.RunOptions{Kubeconfig: kc}
	framework.WaitFor(t, time.Minute, "the role to apply", func() (bool, error) {
		return env.RunWith(t, as, "maintenance", "list").ExitCode == 0, nil
	})

	res := env.RunWith(t, as, "maintenance", "start", n0, "--method=drain", "--reason", "patch only", "--yes")
	if res.ExitCode != 0 {
		t.Fatalf("start --method=drain with patch but not update on nodes: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "Node "+n0+" is in maintenance: 1 VM(s) live-migrated, 1 shut down") {
		t.Errorf("drain did not complete:\n%s", res.Stdout)
	}
	env.WaitVMIRunning(t, ns, "live", func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName != n0 })
	res = env.RunWith(t, as, "maintenance", "stop", n0)
	if res.ExitCode != 0 {
		t.Fatalf("stop: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	mtAssertUntouched(t, env, n0)
}

// mtAssertDescribeEvents compares describe's Events section, with ages and spacing normalised,
// to what KubeVirt records for the one live migration of vm off node, beside the node's own
// event: the evacuation controller's on the VMI, the migration controller's on the VMIM and virt-handler's.
// Events are written asynchronously, so describe is read until they are all there.
func mtAssertDescribeEvents(t *testing.T, env *framework.Env, ns, node, vm string) {
	t.Helper()
	migs, err := env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(migs.Items) != 1 || migs.Items[0].Status.MigrationState == nil {
		t.Fatalf("want exactly one migration with its state in %s: %v %v", ns, err, migs)
	}
	m := migs.Items[0]
	ms := m.Status.MigrationState
	want := strings.Join([]string{
		"Events:",
		"TYPE REASON AGE OBJECT MESSAGE",
		fmt.Sprintf("Normal SuccessfulCreate AGE VirtualMachineInstance/%s Created Migration %s", vm, m.Name),
		fmt.Sprintf("Normal SuccessfulCreate AGE VirtualMachineInstanceMigration/%s Created migration target pod %s", m.Name, ms.TargetPod),
		fmt.Sprintf("Normal SuccessfulHandOver AGE VirtualMachineInstanceMigration/%s Migration target pod is ready for preparation by virt-handler.", m.Name),
		fmt.Sprintf("Normal Migrated AGE VirtualMachineInstance/%s The VirtualMachineInstance migrated to node %s.", vm, ms.TargetNode),
		fmt.Sprintf("Normal SuccessfulMigration AGE VirtualMachineInstanceMigration/%s Source node reported migration succeeded", m.Name),
	}, "\n")
	// Generated names can look like ages; normalise both sides alike.
	want = mtAge.ReplaceAllString(want, "AGE")
	got := ""
	err = framework.Eventually(20*time.Second, func() (bool, error) {
		res := env.Run(t, "maintenance", "describe", node)
		i := strings.Index(res.Stdout, "\nEvents:")
		if i < 0 {
			return false, fmt.Errorf("no Events section")
		}
		// The node controller re-records its RegisteredNode event at its own pace, so the
		// node's line is checked apart from the others and its place is not.
		var lines []string
		nodeLine := fmt.Sprintf("Normal RegisteredNode AGE Node/%[1]s Node %[1]s event: Registered Node %[1]s in Controller", node)
		nodeLines := 0
		for _, l := range strings.Split(strings.TrimSpace(res.Stdout[i:]), "\n") {
			l = strings.Join(strings.Fields(mtAge.ReplaceAllString(l, "AGE")), " ")
			if l == nodeLine {
				nodeLines++
				continue
			}
			lines = append(lines, l)
		}
		if nodeLines != 1 {
			return false, fmt.Errorf("the node's RegisteredNode event is shown %d times", nodeLines)
		}
		got = strings.Join(lines, "\n")
		return got == want, nil
	})
	if err != nil {
		t.Errorf("describe events:\n%s\nwant:\n%s", got, want)
	}
}
