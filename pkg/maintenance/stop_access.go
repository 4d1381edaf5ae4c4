package maintenance

import "context"

// CheckStopAccess checks, before anything is written, that the user may end the maintenances
// stop was asked to end: delete their NodeMaintenance objects (operator), update the nodes
// (--method=drain). Without it a user with read access got a raw "forbidden" after the
// first writes.
func CheckStopAccess(ctx context.Context, c Clients, api *API, operator, drain bool) error {
	var checks []accessCheck
	if operator && api != nil {
		checks = append(checks, accessCheck{"delete", api.GVR.Group, api.GVR.Resource, "", api.GVR.GroupResource().String()})
	}
	if drain {
		checks = append(checks, accessCheck{"update", "", "nodes", "", "nodes"})
	}
	return reviewAccess(ctx, c, checks)
}
