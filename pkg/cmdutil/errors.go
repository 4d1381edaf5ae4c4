package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Exit codes. docs/exit-codes.md documents them for users; scripts depend on them, so they only
// ever gain new values.
const (
	ExitOK = 0
	// ExitError is any failure without a more specific code.
	ExitError = 1
	// ExitUsage: bad flags, arguments or input values. Nothing was changed.
	ExitUsage = 2
	// ExitTimeout: a wait (--timeout) ran out before the operation finished.
	ExitTimeout = 3
	// ExitBlocked: the operation cannot proceed as things stand (a drain blocked by VMs that
	// cannot move, a maintenance that Failed, a plan refused without --force).
	ExitBlocked = 4
	// ExitForbidden: the user lacks a permission the operation needs. Nothing was changed.
	ExitForbidden = 5
	// ExitUnavailable: the cluster, or an API the operation needs, cannot be reached or is not served.
	ExitUnavailable = 6
	// ExitCertProblems: `certs check` found certificates that are expired, untrusted, mismatched,
	// not yet valid, or expiring within --fail-within.
	ExitCertProblems = 7
	// ExitDeclined: the confirmation question was answered with anything but yes. Nothing was
	// changed.
	ExitDeclined = 8
	// ExitInterrupted: stopped by SIGINT/SIGTERM (128+SIGINT, as shells report it).
	ExitInterrupted = 130
)

// Error is an error that carries the exit code the process should end with.
type Error struct {
	Code int
	Err  error
	// Bare: the message is the command's last line as it is, not an error to prefix with
	// "error: " (the outcome of a confirmation question); an empty one prints nothing.
	Bare bool
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// WithCode attaches an exit code to err. A nil err stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Errorf formats an error that exits with code.
func Errorf(code int, format string, a ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, a...)}
}

// UsageErrorf reports bad user input; the process exits 2.
func UsageErrorf(format string, a ...any) error { return Errorf(ExitUsage, format, a...) }

// ExitCode maps err to the process exit code: an explicit *Error wins, then well-known API and
// network failures, then 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, context.DeadlineExceeded), apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		return ExitTimeout
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		return ExitForbidden
	case apierrors.IsServiceUnavailable(err), isConnectionError(err):
		return ExitUnavailable
	case isCobraUsageError(err):
		return ExitUsage
	}
	return ExitError
}

// isConnectionError: the connection failed or broke off (an API server restarting mid-request
// answers with a reset or a truncated body).
func isConnectionError(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// cobra reports unknown commands and argument-count problems as plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command ", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// PrintError writes err as the command's last line: "error: " and the message, or a bare
// error's message as it is, worded for the command the user typed.
func PrintError(w io.Writer, p Program, err error) {
	var e *Error
	if errors.As(err, &e) && e.Bare {
		if msg := e.Error(); msg != "" {
			fmt.Fprintln(w, p.Message(msg))
		}
		return
	}
	fmt.Fprintf(w, "error: %s\n", p.Message(err.Error()))
}
