package maintenance

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// AnnotationCordonedForRequest marks a node that a multi-node start cordoned before its own
// maintenance began, so that the command releases exactly the nodes it cordoned (never one
// that was cordoned before it started) when the request is interrupted or refused. A node
// left with the mark by a killed command is taken over by the next start that names it.
const AnnotationCordonedForRequest = "oc-cnv.io/cordoned-for-maintenance"

// CordonForRequest cordons a node of a multi-node request so that nothing evicted from the
// request's other nodes lands on it and has to move again. It reports whether this request
// now holds the node's cordon: false for a node that was already cordoned by someone else,
// which the request leaves alone.
func CordonForRequest(ctx context.Context, c Clients, node string, now time.Time) (bool, error) {
	mine := false
	err := PatchNode(ctx, c, node, func(n *corev1.Node) map[string]any {
		if _, marked := n.Annotations[AnnotationCordonedForRequest]; marked {
			mine = true
			if n.Spec.Unschedulable {
				return nil
			}
		} else if n.Spec.Unschedulable {
			mine = false
			return nil
		}
		mine = true
		return map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{AnnotationCordonedForRequest: now.UTC().Format(time.RFC3339)}},
			"spec":     map[string]any{"unschedulable": true},
		}
	})
	return mine, err
}

// ReleaseRequestCordon uncordons a node that CordonForRequest cordoned and whose maintenance did
// not start. A node without the mark is left as it is. It reports whether it uncordoned.
func ReleaseRequestCordon(ctx context.Context, c Clients, node string) (bool, error) {
	released := false
	err := PatchNode(ctx, c, node, func(n *corev1.Node) map[string]any {
		released = false
		if _, marked := n.Annotations[AnnotationCordonedForRequest]; !marked {
			return nil
		}
		if n.Labels[LabelMaintenance] == string(MethodDrain) {
			// Its --method=drain maintenance began after all and holds the cordon now.
			return map[string]any{"metadata": map[string]any{"annotations": map[string]any{AnnotationCordonedForRequest: nil}}}
		}
		released = true
		return map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{AnnotationCordonedForRequest: nil}},
			"spec":     map[string]any{"unschedulable": false},
		}
	})
	return released, err
}

// HandOverRequestCordon drops the mark once the node's maintenance holds the cordon: from then
// on ending the maintenance, not this command, uncordons the node.
func HandOverRequestCordon(ctx context.Context, c Clients, node string) error {
	return PatchNode(ctx, c, node, func(n *corev1.Node) map[string]any {
		if _, marked := n.Annotations[AnnotationCordonedForRequest]; !marked {
			return nil
		}
		return map[string]any{"metadata": map[string]any{"annotations": map[string]any{AnnotationCordonedForRequest: nil}}}
	})
}
