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

	"github.com/oc-cnv/oc-cnv/pkg/exitcode"
)

// Exit codes, as the commands name them; pkg/exitcode documents each.
const (
	ExitOK           = exitcode.OK
	ExitError        = exitcode.Failure
	ExitUsage        = exitcode.Usage
	ExitTimeout      = exitcode.Timeout
	ExitBlocked      = exitcode.Blocked
	ExitForbidden    = exitcode.Forbidden
	ExitUnavailable  = exitcode.Unavailable
	ExitCertProblems = exitcode.CertProblems
	ExitDeclined     = exitcode.Declined
	ExitInterrupted  = exitcode.Interrupted
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

// ExitCode makes a command's explicit code win over any code of the error it wraps.
func (e *Error) ExitCode() int { return e.Code }

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

// ExitCode maps err to the process exit code, the one place that does: the outermost error of
// the chain that knows its code (a command's *Error, a domain error) wins, then well-known API
// and network failures, then 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var c exitcode.Coder
	if errors.As(err, &c) {
		return c.ExitCode()
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
	fmt.Fprintf(w, "error: %s\n", p.Message(WithHint(err)))
}

// WithHint is err's message followed by what to do about it, when an error of its chain says
// (exitcode.Hinter): after "; ", or on a line of its own after the hint's label.
func WithHint(err error) string {
	msg := err.Error()
	var h exitcode.Hinter
	if !errors.As(err, &h) {
		return msg
	}
	hint := h.Hint()
	if hint == "" {
		return msg
	}
	if l, ok := h.(exitcode.HintLabeler); ok {
		return msg + "\n" + l.HintLabel() + ": " + hint
	}
	return msg + "; " + hint
}
