package vms

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// The VMI controller plays virt-controller's VMI controller together with the part of
// virt-handler that reports a domain: it creates the launcher pod, follows it through the
// real scheduler and kwok (Pending → Scheduling → Scheduled → Running), reports nodeName,
// the kubevirt.io/nodeName label, activePods and the Ready and LiveMigratable conditions,
// and fails the VMI when its pod goes away, as virt-controller does for a Running or
// Scheduled VMI whose pod no longer exists.

func newVMIController(s *simulator) *loop {
	c := &vmiController{s: s}
	l := newLoop("vmi", c.sync)
	must2(s.vmis.AddEventHandler(handlerFor(l.addObj)))
	must2(s.pods.AddEventHandler(handlerFor(func(obj interface{}) {
		pod, ok := unwrap(obj).(*corev1.Pod)
		if !ok {
			return
		}
		if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "VirtualMachineInstance" {
			l.add(pod.Namespace + "/" + ref.Name)
		}
	})))
	// A PVC appearing or changing its access modes changes LiveMigratable.
	must2(s.pvcs.AddEventHandler(handlerFor(func(obj interface{}) {
		pvc, ok := unwrap(obj).(*corev1.PersistentVolumeClaim)
		if !ok {
			return
		}
		objs, _ := s.vmis.GetIndexer().ByIndex("namespace", pvc.Namespace)
		for _, o := range objs {
			l.addObj(o)
		}
	})))
	return l
}

type vmiController struct {
	s *simulator
	// podCreated remembers launcher pods created but not yet seen by the pod cache, so a
	// quick second pass does not create a second one (KubeVirt's "expectations").
	podCreated sync.Map // VMI UID -> time.Time
}

// vmiPlan is what one pass over a VMI wants done.
type vmiPlan struct {
	vmi        *virtv1.VirtualMachineInstance // desired VMI (a copy), compared with the cached one
	createPod  bool
	deletePods []*corev1.Pod
}

func (c *vmiController) sync(ctx context.Context, key string) error {
	vmi := c.s.vmi(key)
	if vmi == nil || vmi.DeletionTimestamp != nil {
		return nil // its pods are garbage collected through their owner reference
	}
	plan := planVMI(vmi, c.s.launcherPods(vmi), c.s.pvc)

	if t, ok := c.podCreated.Load(vmi.UID); ok {
		if len(c.s.launcherPods(vmi)) > 0 || time.Since(t.(time.Time)) > time.Minute {
			c.podCreated.Delete(vmi.UID)
		} else {
			plan.createPod = false
		}
	}
	if plan.createPod {
		c.podCreated.Store(vmi.UID, time.Now())
		pod, err := c.s.kube.CoreV1().Pods(vmi.Namespace).Create(ctx, launcherPod(vmi), metav1.CreateOptions{})
		if err != nil {
			c.podCreated.Delete(vmi.UID)
			return fmt.Errorf("creating launcher pod: %w", err)
		}
		klog.Infof("vmi %s: created launcher pod %s", key, pod.Name)
	}
	for _, pod := range plan.deletePods {
		uid := pod.UID
		err := c.s.kube.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name,
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting launcher pod %s: %w", pod.Name, err)
		}
	}
	if apiequality.Semantic.DeepEqual(plan.vmi.Status, vmi.Status) &&
		apiequality.Semantic.DeepEqual(plan.vmi.Labels, vmi.Labels) {
		return nil
	}
	if plan.vmi.Status.Phase != vmi.Status.Phase {
		klog.Infof("vmi %s: phase %q -> %q (node %q)", key, vmi.Status.Phase, plan.vmi.Status.Phase, plan.vmi.Status.NodeName)
	}
	// The VMI CRD has no status subresource (as in KubeVirt), so a plain update carries it.
	_, err := c.s.virt.KubevirtV1().VirtualMachineInstances(vmi.Namespace).Update(ctx, plan.vmi, metav1.UpdateOptions{})
	return err
}

// planVMI is the pure part of the VMI controller: given the VMI, its launcher pods and a
// way to look up PVCs, it returns the VMI as it should be and the pod actions to take.
func planVMI(vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod, getPVC pvcGetter) vmiPlan {
	out := vmi.DeepCopy()
	plan := vmiPlan{vmi: out}
	st := &out.Status

	switch st.Phase {
	case virtv1.VmPhaseUnset, virtv1.Pending:
		src := sourcePod(pods)
		switch {
		case src == nil:
			if st.Phase == virtv1.VmPhaseUnset {
				st.Phase = virtv1.Pending
			}
			plan.createPod = len(pods) == 0
		case podFinished(src) || src.DeletionTimestamp != nil:
			st.Phase = virtv1.Failed
		default:
			st.Phase = virtv1.Scheduling
		}
	case virtv1.Scheduling:
		src := sourcePod(pods)
		switch {
		case src == nil || podFinished(src) || src.DeletionTimestamp != nil:
			st.Phase = virtv1.Failed
		case src.Spec.NodeName != "" && src.Status.Phase == corev1.PodRunning:
			// kwok reports the container started: virt-launcher is up on its node.
			st.Phase = virtv1.Scheduled
			st.NodeName = src.Spec.NodeName
			if out.Labels == nil {
				out.Labels = map[string]string{}
			}
			out.Labels[virtv1.NodeNameLabel] = src.Spec.NodeName
		}
	case virtv1.Scheduled:
		if cur := currentPod(out, pods); cur == nil {
			st.Phase = virtv1.Failed
		} else {
			// The domain "starts" as soon as the launcher runs: virt-handler's part.
			st.Phase = virtv1.Running
		}
	case virtv1.Running:
		if currentPod(out, pods) == nil {
			st.Phase = launcherEnd(out, pods)
		}
	}

	if out.IsFinal() {
		setVMICondition(out, virtv1.VirtualMachineInstanceCondition{
			Type: virtv1.VirtualMachineInstanceReady, Status: corev1.ConditionFalse,
			Reason: virtv1.GuestNotRunningReason, Message: "Guest VM is not reported as running",
		})
		// virt-controller deletes whatever launcher pods a finished VMI still has.
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				plan.deletePods = append(plan.deletePods, p)
			}
		}
	}
	st.ActivePods = activePods(pods)
	if out.Status.Phase == virtv1.Running {
		cur := currentPod(out, pods)
		setVMICondition(out, readyCondition(cur))
		setVMICondition(out, liveMigratable(out, getPVC))
		if cur.Status.PodIP != "" {
			st.Interfaces = podInterfaces(out, cur)
		}
	}
	return plan
}

// sourcePod is the VMI's first launcher pod: the one that is not a migration target.
func sourcePod(pods []*corev1.Pod) *corev1.Pod {
	for _, p := range pods {
		if _, target := p.Labels[virtv1.MigrationJobLabel]; !target {
			return p
		}
	}
	return nil
}

// launcherEnd is the phase a running VMI ends in when its launcher pod is gone. An evicted or
// deleted launcher gets SIGTERM and shuts the guest down gracefully, and virt-handler then
// reports the VMI Succeeded (kubevirt v1.6.0 cmd/virt-launcher, pkg/virt-handler/vm.go); only
// a launcher that failed by itself leaves it Failed.
func launcherEnd(vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod) virtv1.VirtualMachineInstancePhase {
	for _, p := range pods {
		if p.Spec.NodeName == vmi.Status.NodeName && p.Status.Phase == corev1.PodFailed && p.DeletionTimestamp == nil {
			return virtv1.Failed
		}
	}
	return virtv1.Succeeded
}

// currentPod is the launcher pod the VMI runs in: the unfinished one on status.nodeName.
// During a migration the target pod lives on another node, so it is never mistaken for it.
func currentPod(vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod) *corev1.Pod {
	var deleting *corev1.Pod
	for _, p := range pods {
		if p.Spec.NodeName != vmi.Status.NodeName || vmi.Status.NodeName == "" || podFinished(p) {
			continue
		}
		if p.DeletionTimestamp == nil {
			return p
		}
		deleting = p
	}
	return deleting
}

func activePods(pods []*corev1.Pod) map[types.UID]string {
	active := map[types.UID]string{}
	for _, p := range pods {
		if p.Spec.NodeName != "" && !podFinished(p) {
			active[p.UID] = p.Spec.NodeName
		}
	}
	if len(active) == 0 {
		return nil
	}
	return active
}

// readyCondition mirrors how KubeVirt derives the VMI's Ready condition from its pod.
func readyCondition(pod *corev1.Pod) virtv1.VirtualMachineInstanceCondition {
	c := virtv1.VirtualMachineInstanceCondition{Type: virtv1.VirtualMachineInstanceReady, Status: corev1.ConditionFalse}
	switch {
	case pod.DeletionTimestamp != nil:
		c.Reason, c.Message = virtv1.PodTerminatingReason, "Pod is terminating"
	case podReady(pod):
		c.Status = corev1.ConditionTrue
	default:
		c.Reason, c.Message = virtv1.PodConditionMissingReason, "virt-launcher pod is not ready"
	}
	return c
}

func podInterfaces(vmi *virtv1.VirtualMachineInstance, pod *corev1.Pod) []virtv1.VirtualMachineInstanceNetworkInterface {
	name := "default"
	if len(vmi.Spec.Domain.Devices.Interfaces) > 0 {
		name = vmi.Spec.Domain.Devices.Interfaces[0].Name
	}
	ips := []string{}
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	return []virtv1.VirtualMachineInstanceNetworkInterface{{
		Name: name, IP: pod.Status.PodIP, IPs: ips, InfoSource: "domain, guest-agent",
	}}
}

// setVMICondition replaces the condition of the same type, keeping its transition time
// while the status stays the same.
func setVMICondition(vmi *virtv1.VirtualMachineInstance, c virtv1.VirtualMachineInstanceCondition) {
	conds := vmi.Status.Conditions
	for i := range conds {
		if conds[i].Type != c.Type {
			continue
		}
		if conds[i].Status == c.Status && conds[i].Reason == c.Reason && conds[i].Message == c.Message {
			return
		}
		c.LastTransitionTime = metav1.Now()
		if conds[i].Status == c.Status {
			c.LastTransitionTime = conds[i].LastTransitionTime
		}
		conds[i] = c
		return
	}
	c.LastTransitionTime = metav1.Now()
	vmi.Status.Conditions = append(conds, c)
}
