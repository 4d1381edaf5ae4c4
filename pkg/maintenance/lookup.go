package maintenance

import (
	"context"
)

// FindForNode reads the node's NodeMaintenance. It asks about the operator's object only (one
// list request, no node read): its callers want to know whether a create they attempted, or
// raced with, left an object behind.
func FindForNode(ctx context.Context, c Clients, api API, node string) (NodeMaintenance, bool, error) {
	inv, err := c.readObjects(ctx, &api)
	if err != nil {
		return NodeMaintenance{}, false, err
	}
	nm, ok := inv.ForNode(node)
	return nm, ok, nil
}
