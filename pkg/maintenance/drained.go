package maintenance

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// DrainedInfo is what the drain method (pkg/maintenance/drainmethod's MarkNode and its error
// record) left on a node. Reading it belongs here, since list, inventory and describe read it
// without draining.
type DrainedInfo struct {
	Reason  string
	Started time.Time
	// LastError is the last refusal the drain met, at LastErrorAt; empty when none is recorded.
	LastError   string
	LastErrorAt time.Time
}

// DrainedBy reads drainmethod.MarkNode's record; ok is false for a node oc-cnv did not drain.
func DrainedBy(n *corev1.Node) (DrainedInfo, bool) {
	if n.Labels[LabelMaintenance] != string(MethodDrain) {
		return DrainedInfo{}, false
	}
	info := DrainedInfo{Reason: n.Annotations[AnnotationReason], LastError: n.Annotations[AnnotationLastError]}
	if t, err := time.Parse(time.RFC3339, n.Annotations[AnnotationStarted]); err == nil {
		info.Started = t
	}
	if t, err := time.Parse(time.RFC3339, n.Annotations[AnnotationLastErrorTime]); err == nil {
		info.LastErrorAt = t
	}
	return info, true
}

// AsMaintenance presents a --method=drain node in the NodeMaintenance shape for list and
// describe. Its phase is derived from what is left to evict, because no operator keeps one.
func AsMaintenance(n *corev1.Node, info DrainedInfo, evictable int) NodeMaintenance {
	nm := NodeMaintenance{NodeName: n.Name, Reason: info.Reason, CreationTimestamp: info.Started, Phase: PhaseRunning,
		LastError: info.LastError, LastUpdate: info.LastErrorAt}
	if evictable == 0 {
		// Drained, whatever a drain that was interrupted last recorded.
		nm.Phase = PhaseSucceeded
		nm.DrainProgress, nm.DrainKnown = 100, true
		nm.LastError, nm.LastUpdate = "", time.Time{}
	}
	return nm
}
