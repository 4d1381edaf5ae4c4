package maintenance

import corev1 "k8s.io/api/core/v1"

// PodUnschedulable reads the scheduler's verdict on a pod not yet bound to a node. Describe and
// the follower in pkg/maintenance/follow both name a migration target pod the scheduler
// cannot place, in the scheduler's words.
func PodUnschedulable(pod *corev1.Pod) (string, bool) {
	if pod.Spec.NodeName != "" {
		return "", false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return c.Message, true
		}
	}
	return "", false
}
