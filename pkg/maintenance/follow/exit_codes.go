package follow

import "github.com/oc-cnv/oc-cnv/pkg/exitcode"

// The exit code of each error that ends a wait (docs/exit-codes.md); pkg/maintenance's
// exit_codes.go has the rest of the table. An error not listed ends the process with 1.

// The drain cannot go on as things stand.
func (e *StalledError) ExitCode() int { return exitcode.Blocked }
func (e *FailedError) ExitCode() int  { return exitcode.Blocked }

func (e *TimeoutError) ExitCode() int { return exitcode.Timeout }

// This hint is a command to run, long enough to deserve a line of its own.
func (e *StalledError) HintLabel() string { return "to unblock" }
