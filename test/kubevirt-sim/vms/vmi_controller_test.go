package vms

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

func TestPlanVMIWalksThePhasesWithItsPod(t *testing.T) {
	vmi := runningVMI("vm", "")
	vmi.Status.Phase = ""
	vmi.Labels = nil

	plan := planVMI(vmi, nil, noPVCs)
	if !plan.createPod || plan.vmi.Status.Phase != virtv1.Pending {
		t.Fatalf("new VMI: want a pod and Pending, got %+v phase %q", plan.createPod, plan.vmi.Status.Phase)
	}

	vmi = plan.vmi
	pod := launcherOn(vmi, "virt-launcher-vm-abcde", "", corev1.PodPending)
	plan = planVMI(vmi, []*corev1.Pod{pod}, noPVCs)
	if plan.createPod || plan.vmi.Status.Phase != virtv1.Scheduling {
		t.Fatalf("pod exists: want Scheduling, got %q", plan.vmi.Status.Phase)
	}

	vmi = plan.vmi
	plan = planVMI(vmi, []*corev1.Pod{pod}, noPVCs)
	if plan.vmi.Status.Phase != virtv1.Scheduling {
		t.Fatalf("pod not placed yet: want Scheduling, got %q", plan.vmi.Status.Phase)
	}

	pod = launcherOn(vmi, "virt-launcher-vm-abcde", "n1", corev1.PodRunning)
	plan = planVMI(vmi, []*corev1.Pod{pod}, noPVCs)
	if plan.vmi.Status.Phase != virtv1.Scheduled || plan.vmi.Status.NodeName != "n1" || plan.vmi.Labels[virtv1.NodeNameLabel] != "n1" {
		t.Fatalf("pod running on n1: got phase %q node %q labels %v", plan.vmi.Status.Phase, plan.vmi.Status.NodeName, plan.vmi.Labels)
	}

	vmi = plan.vmi
	plan = planVMI(vmi, []*corev1.Pod{pod}, noPVCs)
	st := plan.vmi.Status
	if st.Phase != virtv1.Running || st.ActivePods[pod.UID] != "n1" || !plan.vmi.IsMigratable() {
		t.Fatalf("want Running, active pod on n1, migratable: %+v", st)
	}
	if c := vmiCondition(plan.vmi, virtv1.VirtualMachineInstanceReady); c == nil || c.Status != corev1.ConditionTrue {
		t.Fatalf("want Ready=True, got %+v", c)
	}
	if len(st.Interfaces) != 1 || st.Interfaces[0].IP != "10.0.0.7" {
		t.Fatalf("want the pod IP reported, got %+v", st.Interfaces)
	}
}

// An evicted or deleted launcher shuts the guest down gracefully: the VMI ends Succeeded, which
// only runStrategy Always restarts. A launcher that failed by itself leaves it Failed.
func TestPlanVMIEndsARunningVMIWhosePodIsGone(t *testing.T) {
	vmi := withMigratable(runningVMI("vm", "n1"), true)
	plan := planVMI(vmi, nil, noPVCs)
	if plan.vmi.Status.Phase != virtv1.Succeeded {
		t.Fatalf("pod gone: want Succeeded, got %q", plan.vmi.Status.Phase)
	}
	if c := vmiCondition(plan.vmi, virtv1.VirtualMachineInstanceReady); c == nil || c.Status != corev1.ConditionFalse {
		t.Fatalf("want Ready=False, got %+v", c)
	}
	crashed := launcherOn(vmi, "virt-launcher-vm-src01", "n1", corev1.PodFailed)
	if plan := planVMI(vmi, []*corev1.Pod{crashed}, noPVCs); plan.vmi.Status.Phase != virtv1.Failed {
		t.Fatalf("pod failed: want Failed, got %q", plan.vmi.Status.Phase)
	}
}

func TestPlanVMIKeepsRunningOnTheSourceWhileATargetPodExists(t *testing.T) {
	vmi := withMigratable(runningVMI("vm", "n1"), true)
	src := launcherOn(vmi, "virt-launcher-vm-src01", "n1", corev1.PodRunning)
	target := launcherOn(vmi, "virt-launcher-vm-tgt01", "n2", corev1.PodRunning)
	target.Labels[virtv1.MigrationJobLabel] = "mig-uid"
	plan := planVMI(vmi, []*corev1.Pod{src, target}, noPVCs)
	if plan.vmi.Status.Phase != virtv1.Running || len(plan.vmi.Status.ActivePods) != 2 {
		t.Fatalf("want Running with two active pods, got %q %v", plan.vmi.Status.Phase, plan.vmi.Status.ActivePods)
	}
	// The source pod terminating (after a successful migration the VMI already points at
	// n2) must not fail it.
	vmi.Status.NodeName = "n2"
	now := metav1.Now()
	src.DeletionTimestamp = &now
	if plan = planVMI(vmi, []*corev1.Pod{src, target}, noPVCs); plan.vmi.Status.Phase != virtv1.Running {
		t.Fatalf("after the move: want Running, got %q", plan.vmi.Status.Phase)
	}
}

func TestPlanVMIDeletesThePodsOfAFinishedVMI(t *testing.T) {
	vmi := runningVMI("vm", "n1")
	vmi.Status.Phase = virtv1.Failed
	pod := launcherOn(vmi, "virt-launcher-vm-abcde", "n1", corev1.PodRunning)
	plan := planVMI(vmi, []*corev1.Pod{pod}, noPVCs)
	if len(plan.deletePods) != 1 || plan.deletePods[0].Name != pod.Name {
		t.Fatalf("want the leftover pod deleted, got %v", plan.deletePods)
	}
}
