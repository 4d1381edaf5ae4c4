// Package exitcode holds oc-cnv's process exit codes (docs/exit-codes.md) and the two methods
// through which an error carries its code and its remedy. The domain packages give their errors
// these methods without knowing about commands; cmdutil maps any error to a code and prints it
// with its hint, in one place.
package exitcode

// Scripts depend on these values, so they only ever gain new ones.
const (
	OK = 0
	// Failure is any failure without a more specific code.
	Failure = 1
	// Usage: bad flags, arguments or input values. Nothing was changed.
	Usage = 2
	// Timeout: a wait (--timeout) ran out before the operation finished.
	Timeout = 3
	// Blocked: the operation cannot proceed as things stand (a drain blocked by VMs that
	// cannot move, a maintenance that Failed, a plan refused without --force).
	Blocked = 4
	// Forbidden: the user lacks a permission the operation needs. Nothing was changed.
	Forbidden = 5
	// Unavailable: the cluster, or an API the operation needs, cannot be reached or is not served.
	Unavailable = 6
	// CertProblems: `certs check` found certificates that are expired, untrusted, mismatched,
	// not yet valid, or expiring within --fail-within.
	CertProblems = 7
	// Declined: the confirmation question was answered with anything but yes. Nothing was
	// changed.
	Declined = 8
	// Interrupted: stopped by SIGINT/SIGTERM (128+SIGINT, as shells report it).
	Interrupted = 130
)

// Coder is an error that knows the exit code it ends the process with.
type Coder interface {
	ExitCode() int
}

// Hinter is an error that says what to do about it. The hint is not part of Error(): a caller
// that shows the error inside other text (a table row, a progress line) shows the message alone,
// and the command's last line adds the hint.
type Hinter interface {
	Hint() string
}

// HintLabeler gives a hint a line of its own, after a label that says what it is for ("to
// proceed"); a hint without one follows the message after "; ".
type HintLabeler interface {
	HintLabel() string
}
