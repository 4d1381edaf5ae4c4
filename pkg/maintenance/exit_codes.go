package maintenance

import "github.com/oc-cnv/oc-cnv/pkg/exitcode"

// The exit code of each error of this package (docs/exit-codes.md), side by side so that the
// mapping reads as one table. An error not listed ends the process with 1. The errors that end
// a wait have theirs beside the follower, in pkg/maintenance/follow/exit_codes.go.

// A name that is not a node, a node that is not in maintenance, a name already taken: bad
// input, nothing was changed.
func (e *NodeNotFoundError) ExitCode() int     { return exitcode.Usage }
func (e *NotInMaintenanceError) ExitCode() int { return exitcode.Usage }
func (e *NameTakenError) ExitCode() int        { return exitcode.Usage }

func (e *ForbiddenError) ExitCode() int          { return exitcode.Forbidden }
func (NoAPIError) ExitCode() int                 { return exitcode.Unavailable }
func (e *WebhookUnavailableError) ExitCode() int { return exitcode.Unavailable }

// The drain cannot go on as things stand.
func (e *CapacityError) ExitCode() int { return exitcode.Blocked }
func (e *BlockingError) ExitCode() int { return exitcode.Blocked }

func (e *StuckError) ExitCode() int { return exitcode.Timeout }

// This hint is a command to run, long enough to deserve a line of its own.
func (e *BlockingError) HintLabel() string { return "to proceed" }
