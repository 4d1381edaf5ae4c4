package maintutil

import (
	"errors"
	"fmt"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// Exit gives pkg/maintenance's errors their exit codes (docs/exit-codes.md) and folds each
// error's remedy into its message. Errors it does not know keep cmdutil's generic mapping.
func Exit(err error) error {
	if err == nil {
		return nil
	}
	var (
		coded     *cmdutil.Error
		notFound  *maintenance.NodeNotFoundError
		forbidden *maintenance.ForbiddenError
		noAPI     maintenance.NoAPIError
		capacity  *maintenance.CapacityError
		blocking  *maintenance.BlockingError
		failed    *maintenance.FailedError
		stalled   *maintenance.StalledError
		timeout   *maintenance.TimeoutError
		stuck     *maintenance.StuckError
		notIn     *maintenance.NotInMaintenanceError
		nameTaken *maintenance.NameTakenError
	)
	switch {
	case errors.As(err, &coded):
		return err
	case errors.As(err, &notFound):
		return cmdutil.WithCode(cmdutil.ExitUsage, err)
	case errors.As(err, &notIn), errors.As(err, &nameTaken):
		return cmdutil.WithCode(cmdutil.ExitUsage, err)
	case errors.As(err, &forbidden):
		return cmdutil.Errorf(cmdutil.ExitForbidden, "%v; %s", err, forbidden.Hint())
	case errors.As(err, &noAPI):
		return cmdutil.Errorf(cmdutil.ExitUnavailable, "%v; %s", err, noAPI.Hint())
	case errors.As(err, &capacity):
		return cmdutil.WithCode(cmdutil.ExitBlocked, err)
	case errors.As(err, &blocking):
		return cmdutil.Errorf(cmdutil.ExitBlocked, "%v\nto proceed: %s", err, blocking.Hint())
	case errors.As(err, &stalled):
		return cmdutil.Errorf(cmdutil.ExitBlocked, "%v\nto unblock: %s", err, stalled.Hint())
	case errors.As(err, &failed):
		return cmdutil.WithCode(cmdutil.ExitBlocked, err)
	case errors.As(err, &timeout), errors.As(err, &stuck):
		return cmdutil.WithCode(cmdutil.ExitTimeout, err)
	}
	return err
}

// Interrupted words the Ctrl-C outcome: waiting stopped, the maintenance stays, and how to end it.
func Interrupted(program cmdutil.Program, nodes []string) error {
	if len(nodes) == 0 {
		return cmdutil.Errorf(cmdutil.ExitInterrupted, "stopped before any maintenance started; no node was left in maintenance")
	}
	what := "the maintenance stays in place"
	if len(nodes) == 1 {
		what = fmt.Sprintf("node %s stays in maintenance", nodes[0])
	}
	stop := program.Display + " maintenance stop"
	for _, n := range nodes {
		stop += " " + n
	}
	return cmdutil.Errorf(cmdutil.ExitInterrupted, "stopped waiting; %s. To end it: %s", what, stop)
}
