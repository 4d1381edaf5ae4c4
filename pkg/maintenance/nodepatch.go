package maintenance

import (
	"context"
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// PatchNode writes a change to a node as a JSON merge patch, the verb preflight checks (patch
// nodes) and the one kubectl's cordon uses; an Update would need a permission nobody checked.
// The patch carries the resourceVersion it was computed from, so a change that replaces a
// whole list (taints) or depends on the node's state cannot overwrite someone else's
// concurrent write: the API server answers Conflict and the change is computed again.
// change returns nil when the node needs no write. It is exported for the drain method
// (pkg/maintenance/drainmethod), whose node marks must be written the same checked way.
func PatchNode(ctx context.Context, c Clients, node string, change func(*corev1.Node) map[string]any) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := c.Kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p := change(n)
		if p == nil {
			return nil
		}
		meta, _ := p["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			p["metadata"] = meta
		}
		meta["resourceVersion"] = n.ResourceVersion
		body, err := json.Marshal(p)
		if err != nil {
			return err
		}
		_, err = c.Kube.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, body, metav1.PatchOptions{})
		return err
	})
}
