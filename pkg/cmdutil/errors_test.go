package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
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
