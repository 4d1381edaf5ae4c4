//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// These tests prove the KubeVirt simulator (test/kubevirt-sim, docs/simulator.md) against the
// real parts of the local cluster: the scheduler, kwok, the garbage collector and the medik8s
// Node Maintenance Operator draining through KubeVirt's own virt-api eviction webhook.

var simNodeMaintenanceGVR = schema.GroupVersionResource{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"}

// simVM is a VirtualMachine as a user writes it, pinned to the test's nodes.
func simVM(name string, nodes framework.TestNodes, evictionStrategy, volumes string) string {
	return framework.VMYAML(name, nodes, framework.VMSpec{EvictionStrategy: evictionStrategy, Labels: "{app: " + name + "}", Volumes: volumes})
}

func TestSimulatorDrainMigratesRecreatesAndBlocks(t *testing.T) {
	env := framework.Get(t)
	ns := env.Namespace(t)
	nodes := env.Nodes(t, 3)
	drained := nodes.Names[0]
	ctx := context.Background()

	// Start every VM on the node that will be drained: keep the others cordoned meanwhile.
	env.Cordon(t, nodes.Names[1:], true)
	env.Apply(t, ns, framework.RWOClaimYAML+simVM("migratable", nodes, "LiveMigrate", "")+simVM("plain", nodes, "None", "")+
		simVM("rwo", nodes, "LiveMigrate", framework.RWOVolumeYAML))

	before := map[string]*virtv1.VirtualMachineInstance{}
	for _, name := range []string{"migratable", "plain", "rwo"} {
		before[name] = simWaitVMIRunning(t, env, ns, name, func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == drained })
		simWaitVMPrintable(t, env, ns, name, virtv1.VirtualMachineStatusRunning)
	}
	if c := simCondition(before["rwo"], virtv1.VirtualMachineInstanceIsMigratable); c == nil || c.Status != corev1.ConditionFalse ||
		c.Reason != "DisksNotLiveMigratable" || !strings.Contains(c.Message, "PVC data-rwo is not shared") {
		t.Fatalf("rwo VMI LiveMigratable condition: %+v", c)
	}
	if c := simCondition(before["migratable"], virtv1.VirtualMachineInstanceIsMigratable); c == nil || c.Status != corev1.ConditionTrue {
		t.Fatalf("migratable VMI LiveMigratable condition: %+v", c)
	}
	sourcePod := simLauncherPodOn(t, env, before["migratable"], drained)
	rwoPod := simLauncherPodOn(t, env, before["rwo"], drained)
	env.Cordon(t, nodes.Names[1:], false)

	nm := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "nodemaintenance.medik8s.io/v1beta1",
		"kind":       "NodeMaintenance",
		"metadata":   map[string]interface{}{"name": "nm-" + drained},
		"spec":       map[string]interface{}{"nodeName": drained, "reason": "simulator e2e"},
	}}
	if _, err := env.Dynamic.Resource(simNodeMaintenanceGVR).Create(ctx, nm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating NodeMaintenance: %v", err)
	}

	// LiveMigrate + migratable: an evacuation migration that succeeds and moves the VMI.
	var migration *virtv1.VirtualMachineInstanceMigration
	framework.WaitFor(t, 90*time.Second, "the evacuation migration of VMI migratable to succeed", func() (bool, error) {
		list, err := env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).List(ctx,
			metav1.ListOptions{LabelSelector: virtv1.MigrationSelectorLabel + "=migratable"})
		if err != nil {
			return false, err
		}
		for i := range list.Items {
			m := &list.Items[i]
			if m.Annotations[virtv1.EvacuationMigrationAnnotation] == drained && m.Status.Phase == virtv1.MigrationSucceeded {
				migration = m
				return true, nil
			}
			if m.Status.Phase == virtv1.MigrationFailed {
				return false, fmt.Errorf("migration %s failed", m.Name)
			}
		}
		return false, nil
	})
	if !strings.HasPrefix(migration.Name, "kubevirt-evacuation-") {
		t.Errorf("evacuation migration name %q", migration.Name)
	}
	var phases []virtv1.VirtualMachineInstanceMigrationPhase
	for _, ts := range migration.Status.PhaseTransitionTimestamps {
		phases = append(phases, ts.Phase)
	}
	wantPhases := []virtv1.VirtualMachineInstanceMigrationPhase{virtv1.MigrationPending, virtv1.MigrationScheduling,
		virtv1.MigrationScheduled, virtv1.MigrationPreparingTarget, virtv1.MigrationTargetReady, virtv1.MigrationRunning, virtv1.MigrationSucceeded}
	if !slices.Equal(phases, wantPhases) {
		t.Errorf("migration phases %v, want %v", phases, wantPhases)
	}
	moved := simWaitVMIRunning(t, env, ns, "migratable", func(v *virtv1.VirtualMachineInstance) bool {
		return v.Status.NodeName != drained && v.Status.MigrationState != nil && v.Status.MigrationState.Completed
	})
	ms := moved.Status.MigrationState
	if moved.UID != before["migratable"].UID || ms.MigrationUID != migration.UID || ms.Failed ||
		ms.SourceNode != drained || ms.TargetNode != moved.Status.NodeName || ms.StartTimestamp == nil || ms.EndTimestamp == nil {
		t.Errorf("migrated VMI: uid %s (was %s), migrationState %+v", moved.UID, before["migratable"].UID, ms)
	}
	if moved.Labels[virtv1.NodeNameLabel] != moved.Status.NodeName || moved.Status.EvacuationNodeName != "" {
		t.Errorf("migrated VMI: labels %v, evacuationNodeName %q", moved.Labels, moved.Status.EvacuationNodeName)
	}
	simWaitPodGone(t, env, ns, sourcePod)

	// Eviction strategy None: the pod is evicted, the VMI fails, the VM starts a new one elsewhere.
	recreated := simWaitVMIRunning(t, env, ns, "plain", func(v *virtv1.VirtualMachineInstance) bool {
		return v.UID != before["plain"].UID && v.Status.NodeName != drained
	})
	if !slices.Contains(nodes.Names, recreated.Status.NodeName) {
		t.Errorf("re-created VMI landed on %s, outside the test's nodes", recreated.Status.NodeName)
	}

	// LiveMigrate but not migratable: the eviction is refused, the drain stays blocked.
	framework.WaitFor(t, 150*time.Second, "the NodeMaintenance to report the blocked launcher pod", func() (bool, error) {
		cur, err := env.Dynamic.Resource(simNodeMaintenanceGVR).Get(ctx, "nm-"+drained, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		phase, _, _ := unstructured.NestedString(cur.Object, "status", "phase")
		lastError, _, _ := unstructured.NestedString(cur.Object, "status", "lastError")
		pending, _, _ := unstructured.NestedStringSlice(cur.Object, "status", "pendingPods")
		if phase == "Succeeded" {
			return false, fmt.Errorf("drain succeeded although %s may not be evicted", rwoPod)
		}
		return phase == "Running" && strings.Contains(lastError, rwoPod) && slices.Contains(pending, rwoPod), nil
	})
	// The operator's lastError is the drain library's timeout; ask the eviction API directly
	// for KubeVirt's reason.
	err := env.Kube.CoreV1().Pods(ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: rwoPod, Namespace: ns}})
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "VMI rwo is configured with an eviction strategy but is not live-migratable") {
		t.Errorf("evicting %s: got %v, want 429 with KubeVirt's not-live-migratable refusal", rwoPod, err)
	}
	rwo, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "rwo", metav1.GetOptions{})
	if err != nil || rwo.UID != before["rwo"].UID || rwo.Status.Phase != virtv1.Running || rwo.Status.NodeName != drained {
		t.Errorf("the non-migratable VMI should keep running on %s: %v %+v", drained, err, rwo.Status)
	}
}

// A migration a user asks for, which the VMI's failure knob makes fail: the VMIM ends Failed,
// the VMI records the failure and stays, the target pod goes away.
func TestSimulatorUserMigrationThatFails(t *testing.T) {
	env := framework.Get(t)
	ns := env.Namespace(t)
	nodes := env.Nodes(t, 2)
	ctx := context.Background()
	env.Apply(t, ns, strings.Replace(simVM("flaky", nodes, "LiveMigrate", ""),
		"kubevirt-sim.oc-cnv.io/migration-duration: 1s", "kubevirt-sim.oc-cnv.io/migration-duration: 1s, kubevirt-sim.oc-cnv.io/migration-fail: \"true\"", 1))
	vmi := simWaitVMIRunning(t, env, ns, "flaky", func(*virtv1.VirtualMachineInstance) bool { return true })

	env.Apply(t, ns, "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\nmetadata: {name: try}\nspec: {vmiName: flaky}\n")
	var m *virtv1.VirtualMachineInstanceMigration
	framework.WaitFor(t, 60*time.Second, "migration try to fail", func() (bool, error) {
		var err error
		m, err = env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).Get(ctx, "try", metav1.GetOptions{})
		return err == nil && m.Status.Phase == virtv1.MigrationFailed, err
	})
	if m.Labels[virtv1.MigrationSelectorLabel] != "flaky" {
		t.Errorf("migration labels %v", m.Labels)
	}
	after, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "flaky", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms := after.Status.MigrationState
	if ms == nil || ms.MigrationUID != m.UID || !ms.Failed || !ms.Completed || after.Status.NodeName != vmi.Status.NodeName ||
		after.Status.Phase != virtv1.Running {
		t.Fatalf("VMI after the failed migration: node %s phase %s migrationState %+v", after.Status.NodeName, after.Status.Phase, ms)
	}
	if m.Status.MigrationState == nil || m.Status.MigrationState.TargetPod == "" {
		t.Fatalf("migration status has no target pod: %+v", m.Status)
	}
	simWaitPodGone(t, env, ns, m.Status.MigrationState.TargetPod)
}

// An eviction of a migratable LiveMigrate VM's pod is refused with KubeVirt's 429 and starts
// an evacuation; a failed evacuation migration is retried after KubeVirt's backoff and, once
// the failure knob is gone, succeeds.
func TestSimulatorEvacuationRetriesAfterBackoff(t *testing.T) {
	env := framework.Get(t)
	ns := env.Namespace(t)
	nodes := env.Nodes(t, 2)
	ctx := context.Background()
	env.Apply(t, ns, simVM("retry", nodes, "LiveMigrate", ""))
	vmi := simWaitVMIRunning(t, env, ns, "retry", func(*virtv1.VirtualMachineInstance) bool { return true })
	source := vmi.Status.NodeName
	pod := simLauncherPodOn(t, env, vmi, source)

	// The knob goes on the running VMI; the first migration will fail.
	knob := []byte(`{"metadata":{"annotations":{"kubevirt-sim.oc-cnv.io/migration-fail":"true"}}}`)
	if _, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Patch(ctx, "retry", types.MergePatchType, knob, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	evict := func() error {
		return env.Kube.CoreV1().Pods(ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: ns}})
	}
	if err := evict(); !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), `Eviction triggered evacuation of VMI "`+ns+`/retry"`) {
		t.Fatalf("first eviction: got %v, want 429 triggering the evacuation", err)
	}
	if err := evict(); !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "Evacuation in progress") {
		t.Fatalf("second eviction: got %v, want 429 evacuation in progress", err)
	}

	evacuations := func() ([]virtv1.VirtualMachineInstanceMigration, error) {
		list, err := env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).List(ctx,
			metav1.ListOptions{LabelSelector: virtv1.MigrationSelectorLabel + "=retry"})
		if err != nil {
			return nil, err
		}
		var out []virtv1.VirtualMachineInstanceMigration
		for _, m := range list.Items {
			if m.Annotations[virtv1.EvacuationMigrationAnnotation] == source {
				out = append(out, m)
			}
		}
		return out, nil
	}
	// The first fails; a second one is created and held in Pending by the backoff.
	framework.WaitFor(t, 60*time.Second, "a failed evacuation and a retry waiting in Pending", func() (bool, error) {
		ms, err := evacuations()
		if err != nil || len(ms) != 2 {
			return false, err
		}
		phases := []virtv1.VirtualMachineInstanceMigrationPhase{ms[0].Status.Phase, ms[1].Status.Phase}
		return slices.Contains(phases, virtv1.MigrationFailed) && slices.Contains(phases, virtv1.MigrationPending), nil
	})
	failedAt := time.Now()
	after, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, "retry", metav1.GetOptions{})
	if err != nil || after.Status.NodeName != source || after.Status.EvacuationNodeName != source {
		t.Fatalf("after the failed evacuation the VMI should stay on %s, still marked: %v %+v", source, err, after.Status)
	}

	unknob := []byte(`{"metadata":{"annotations":{"kubevirt-sim.oc-cnv.io/migration-fail":null}}}`)
	if _, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Patch(ctx, "retry", types.MergePatchType, unknob, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	moved := simWaitVMIRunning(t, env, ns, "retry", func(v *virtv1.VirtualMachineInstance) bool {
		return v.Status.NodeName != source && v.Status.EvacuationNodeName == ""
	})
	// KubeVirt's first backoff is 20s after the failure; allow for the API's whole seconds.
	if waited := time.Since(failedAt); waited < 15*time.Second {
		t.Errorf("the retry ran %s after the failure, before KubeVirt's 20s backoff", waited.Round(time.Second))
	}
	if ms := moved.Status.MigrationState; ms == nil || ms.Failed || !ms.Completed || ms.SourceNode != source {
		t.Errorf("migration state after the retry: %+v", ms)
	}
	simWaitPodGone(t, env, ns, pod)
}

// simWaitVMIRunning waits until the VMI is Running, Ready and satisfies ok.
func simWaitVMIRunning(t *testing.T, env *framework.Env, ns, name string, ok func(*virtv1.VirtualMachineInstance) bool) *virtv1.VirtualMachineInstance {
	t.Helper()
	return env.WaitVMIRunning(t, ns, name, func(vmi *virtv1.VirtualMachineInstance) bool {
		ready := simCondition(vmi, virtv1.VirtualMachineInstanceReady)
		return ready != nil && ready.Status == corev1.ConditionTrue && ok(vmi)
	})
}

func simWaitVMPrintable(t *testing.T, env *framework.Env, ns, name string, want virtv1.VirtualMachinePrintableStatus) {
	t.Helper()
	framework.WaitFor(t, 30*time.Second, fmt.Sprintf("VM %s to be %s", name, want), func() (bool, error) {
		vm, err := env.KubeVirt.KubevirtV1().VirtualMachines(ns).Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && vm.Status.PrintableStatus == want && vm.Status.Ready && vm.Status.Created, err
	})
}

// simLauncherPodOn finds the VMI's virt-launcher pod on node and checks how it is labelled.
func simLauncherPodOn(t *testing.T, env *framework.Env, vmi *virtv1.VirtualMachineInstance, node string) string {
	t.Helper()
	pods, err := env.Kube.CoreV1().Pods(vmi.Namespace).List(context.Background(),
		metav1.ListOptions{LabelSelector: "kubevirt.io=virt-launcher,kubevirt.io/created-by=" + string(vmi.UID)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName != node {
			continue
		}
		ref := metav1.GetControllerOf(&p)
		if !strings.HasPrefix(p.Name, "virt-launcher-"+vmi.Name+"-") || p.Annotations["kubevirt.io/domain"] != vmi.Name ||
			p.Labels["vm.kubevirt.io/name"] != vmi.Name || ref == nil || ref.UID != vmi.UID || vmi.Status.ActivePods[p.UID] != node {
			t.Errorf("launcher pod %s does not look like KubeVirt's: labels %v annotations %v owner %+v", p.Name, p.Labels, p.Annotations, ref)
		}
		return p.Name
	}
	t.Fatalf("no launcher pod of VMI %s on %s", vmi.Name, node)
	return ""
}

func simWaitPodGone(t *testing.T, env *framework.Env, ns, name string) {
	t.Helper()
	framework.WaitFor(t, 60*time.Second, "pod "+name+" to be gone", func() (bool, error) {
		_, err := env.Kube.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

func simCondition(vmi *virtv1.VirtualMachineInstance, t virtv1.VirtualMachineInstanceConditionType) *virtv1.VirtualMachineInstanceCondition {
	for i := range vmi.Status.Conditions {
		if vmi.Status.Conditions[i].Type == t {
			return &vmi.Status.Conditions[i]
		}
	}
	return nil
}
