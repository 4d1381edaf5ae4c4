package vms

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

// launcherImage is what the "compute" container claims to run; kwok never pulls it.
const launcherImage = "quay.io/kubevirt/virt-launcher:kubevirt-sim"

// vmiOwnerRef is the controller reference KubeVirt puts on everything a VMI owns.
func vmiOwnerRef(vmi *virtv1.VirtualMachineInstance) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion:         virtv1.GroupVersion.String(),
		Kind:               "VirtualMachineInstance",
		Name:               vmi.Name,
		UID:                vmi.UID,
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}
}

// launcherPod renders the virt-launcher pod of a VMI the way KubeVirt's template service
// does in the parts a cluster can observe: the generated name virt-launcher-<vmi>-xxxxx,
// the VMI's labels plus kubevirt.io=virt-launcher, kubevirt.io/created-by=<vmi uid> and
// vm.kubevirt.io/name, the kubevirt.io/domain annotation, the VMI as controlling owner,
// the VMI's scheduling constraints and one "compute" container. Disks are not mounted:
// nothing here runs a guest, and an unbound claim would only keep the pod unschedulable.
func launcherPod(vmi *virtv1.VirtualMachineInstance) *corev1.Pod {
	labels := map[string]string{}
	for k, v := range vmi.Labels {
		labels[k] = v
	}
	// The node label tracks where the VMI runs now; a new pod must not inherit it.
	delete(labels, virtv1.NodeNameLabel)
	delete(labels, virtv1.MigrationTargetNodeNameLabel)
	labels[virtv1.AppLabel] = "virt-launcher"
	labels[virtv1.CreatedByLabel] = string(vmi.UID)
	labels[virtv1.DeprecatedVirtualMachineNameLabel] = vmi.Name

	requests := corev1.ResourceList{}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := vmi.Spec.Domain.Resources.Requests[name]; ok {
			requests[name] = q
		}
	}
	if vmi.Spec.Domain.Memory != nil && vmi.Spec.Domain.Memory.Guest != nil {
		if _, ok := requests[corev1.ResourceMemory]; !ok {
			requests[corev1.ResourceMemory] = *vmi.Spec.Domain.Memory.Guest
		}
	}
	if len(requests) == 0 {
		requests = nil
	}

	grace := int64(30)
	if vmi.Spec.TerminationGracePeriodSeconds != nil {
		grace = *vmi.Spec.TerminationGracePeriodSeconds
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "virt-launcher-" + vmi.Name + "-",
			Namespace:    vmi.Namespace,
			Labels:       labels,
			Annotations: map[string]string{
				virtv1.DomainAnnotation:                   vmi.Name,
				"kubectl.kubernetes.io/default-container": "compute",
			},
			OwnerReferences: []metav1.OwnerReference{vmiOwnerRef(vmi)},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: &grace,
			NodeSelector:                  launcherNodeSelector(vmi),
			Affinity:                      vmi.Spec.Affinity.DeepCopy(),
			Tolerations:                   append([]corev1.Toleration(nil), vmi.Spec.Tolerations...),
			SchedulerName:                 vmi.Spec.SchedulerName,
			PriorityClassName:             vmi.Spec.PriorityClassName,
			Hostname:                      vmi.Spec.Hostname,
			Subdomain:                     vmi.Spec.Subdomain,
			Containers: []corev1.Container{{
				Name:      "compute",
				Image:     launcherImage,
				Command:   []string{"/usr/bin/virt-launcher-monitor"},
				Resources: corev1.ResourceRequirements{Requests: requests},
			}},
		},
	}
	for _, t := range vmi.Spec.TopologySpreadConstraints {
		pod.Spec.TopologySpreadConstraints = append(pod.Spec.TopologySpreadConstraints, *t.DeepCopy())
	}
	return pod
}

// migrationTargetPod is the launcher pod a migration creates for the VMI's new home. Like
// KubeVirt's migration controller it adds a required pod anti-affinity on the VMI's
// kubevirt.io/created-by label over kubernetes.io/hostname, so the scheduler keeps it off
// the node that runs the source pod, and the kubevirt.io/migrationJobUID label.
func migrationTargetPod(vmi *virtv1.VirtualMachineInstance, m *virtv1.VirtualMachineInstanceMigration) *corev1.Pod {
	pod := launcherPod(vmi)
	pod.Labels[virtv1.MigrationJobLabel] = string(m.UID)
	term := corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{virtv1.CreatedByLabel: string(vmi.UID)}},
		TopologyKey:   corev1.LabelHostname,
	}
	if pod.Spec.Affinity == nil {
		pod.Spec.Affinity = &corev1.Affinity{}
	}
	if pod.Spec.Affinity.PodAntiAffinity == nil {
		pod.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
	}
	anti := pod.Spec.Affinity.PodAntiAffinity
	anti.RequiredDuringSchedulingIgnoredDuringExecution = append(anti.RequiredDuringSchedulingIgnoredDuringExecution, term)
	return pod
}

func copyMap(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func podFinished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}

func podReady(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// launcherNodeSelector is the VMI's nodeSelector plus kubevirt.io/schedulable=true, which
// KubeVirt adds to every launcher pod, migration targets included, so that only nodes whose
// virt-handler is ready take VMs (v1.6.0 pkg/virt-controller/services/nodeselectorrenderer.go).
func launcherNodeSelector(vmi *virtv1.VirtualMachineInstance) map[string]string {
	sel := copyMap(vmi.Spec.NodeSelector)
	if sel == nil {
		sel = map[string]string{}
	}
	sel[virtv1.NodeSchedulable] = "true"
	return sel
}
