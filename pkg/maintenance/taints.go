package maintenance

import corev1 "k8s.io/api/core/v1"

const (
	// TaintDrain is the taint the medik8s operator adds during maintenance; --method=drain adds
	// the same one so that workloads tolerating it behave identically either way.
	TaintDrain = "medik8s.io/drain"
	// TaintDrainLegacy is the taint of the operator generations served under kubevirt.io groups.
	TaintDrainLegacy = "kubevirt.io/drain"

	// LabelMaintenance marks a node that oc-cnv drained itself (--method=drain). It is a label,
	// not only an annotation, so list can find such nodes with one label-selected request.
	LabelMaintenance = "oc-cnv.io/maintenance"
	// AnnotationReason and AnnotationStarted record the --reason and start time of a
	// --method=drain maintenance, which has no object of its own to hold them.
	AnnotationReason  = "oc-cnv.io/maintenance-reason"
	AnnotationStarted = "oc-cnv.io/maintenance-started"
	// AnnotationLastError and AnnotationLastErrorTime hold the last refusal the drain met (a
	// VM that must migrate first, a disruption budget) and when, as a NodeMaintenance's
	// status.lastError does, so describe from another terminal can say why a drain is stuck.
	AnnotationLastError     = "oc-cnv.io/maintenance-last-error"
	AnnotationLastErrorTime = "oc-cnv.io/maintenance-last-error-time"
)

func isMaintenanceTaint(key string) bool {
	return key == TaintDrain || key == TaintDrainLegacy
}

// MaintenanceTaints returns the maintenance-related taints present on a node, including the
// cordon taint the node controller mirrors from spec.unschedulable.
func MaintenanceTaints(n *corev1.Node) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range n.Spec.Taints {
		if isMaintenanceTaint(t.Key) || t.Key == corev1.TaintNodeUnschedulable {
			out = append(out, t)
		}
	}
	return out
}
