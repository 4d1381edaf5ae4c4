package maintenance

import "context"

// CheckStopAccess checks, before anything is written, that the user may end the maintenances
// of the targets: delete their NodeMaintenance objects (operator), patch the nodes
// (--method=drain), and with cancelEvacuations patch VMIs and delete migrations. Without it a
// user with read access got a raw "forbidden" after the first writes. It asks only for what
// the targets need, so that ending a --method=drain maintenance does not require the right to
// delete NodeMaintenances. The permissions come from Requests.
func CheckStopAccess(ctx context.Context, c Clients, api *API, targets []StopTarget, cancelEvacuations bool) error {
	operator, drain := false, false
	for _, t := range targets {
		operator = operator || t.Maintenance != nil
		drain = drain || t.Drained()
	}
	var ops []Op
	if operator && api != nil {
		ops = append(ops, OpStop)
	}
	if drain {
		ops = append(ops, OpStopDrain)
	}
	if cancelEvacuations {
		ops = append(ops, OpCancelEvacuations)
	}
	if len(ops) == 0 {
		return nil
	}
	return CheckAccess(ctx, c, api, ops...)
}
