package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExitCode(t *testing.T) {
	gr := schema.GroupResource{Group: "nodemaintenance.medik8s.io", Resource: "nodemaintenances"}
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("boom"), ExitError},
		{"usage", UsageErrorf("bad %s", "flag"), ExitUsage},
		{"wrapped typed", fmt.Errorf("start: %w", Errorf(ExitTimeout, "timed out")), ExitTimeout},
		{"forbidden", apierrors.NewForbidden(gr, "x", errors.New("no")), ExitForbidden},
		{"unauthorized", apierrors.NewUnauthorized("expired"), ExitForbidden},
		{"deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), ExitTimeout},
		{"canceled", context.Canceled, ExitInterrupted},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, ExitUnavailable},
		{"truncated response", fmt.Errorf("set annotation: %w", &url.Error{Op: "Patch", URL: "https://x", Err: io.ErrUnexpectedEOF}), ExitUnavailable},
		{"reset", fmt.Errorf("list: %w", syscall.ECONNRESET), ExitUnavailable},
		{"cobra unknown command", errors.New(`unknown command "frob" for "oc cnv"`), ExitUsage},
		{"cobra arg count", errors.New("accepts 1 arg(s), received 2"), ExitUsage},
		{"not found stays generic", apierrors.NewNotFound(gr, "x"), ExitError},
		{"domain error", fmt.Errorf("node n1: %w", &blockedErr{}), ExitBlocked},
		{"command's code wins over the domain's", WithCode(ExitTimeout, &blockedErr{}), ExitTimeout},
		{"domain code wins over the API error it wraps", &blockedErr{cause: apierrors.NewForbidden(gr, "x", errors.New("no"))}, ExitBlocked},
	}
	for _, c := range cases {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("%s: ExitCode = %d, want %d", c.name, got, c.want)
		}
	}
	if WithCode(ExitBlocked, nil) != nil {
		t.Error("WithCode(nil) must stay nil")
	}
}

// blockedErr stands for a domain error: it knows its code and its remedy.
type blockedErr struct {
	cause error
}

func (e *blockedErr) Error() string { return "3 VMs cannot move" }
func (e *blockedErr) Unwrap() error { return e.cause }
func (e *blockedErr) ExitCode() int { return ExitBlocked }
func (e *blockedErr) Hint() string  { return "run `oc cnv maintenance start n1 --force`" }

type labeledErr struct{ blockedErr }

func (e *labeledErr) HintLabel() string { return "to proceed" }

type emptyHintErr struct{ blockedErr }

func (e *emptyHintErr) Hint() string { return "" }

func TestPrintErrorAddsTheHint(t *testing.T) {
	p := Program{Binary: "kubectl-cnv", Display: "kubectl cnv"}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"no hint", errors.New("boom"), "error: boom\n"},
		{"hint after the message, worded for the program", fmt.Errorf("node n1: %w", &blockedErr{}), "error: node n1: 3 VMs cannot move; run `kubectl cnv maintenance start n1 --force`\n"},
		{"labeled hint on its own line", WithCode(ExitTimeout, &labeledErr{}), "error: 3 VMs cannot move\nto proceed: run `kubectl cnv maintenance start n1 --force`\n"},
		{"empty hint adds nothing", &emptyHintErr{}, "error: 3 VMs cannot move\n"},
		{"a message that already holds the hint is not extended", Errorf(ExitBlocked, "%v; %s", &blockedErr{}, "x"), "error: 3 VMs cannot move; x\n"},
	}
	for _, c := range cases {
		var b strings.Builder
		PrintError(&b, p, c.err)
		if b.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, b.String(), c.want)
		}
	}
}
