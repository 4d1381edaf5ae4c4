package cmdutil

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestUnreachable(t *testing.T) {
	refused := func(op string) error {
		return &url.Error{Op: op, URL: "https://127.0.0.1:1/apis/x?timeout=32s", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	}
	noHost := &url.Error{Op: "Get", URL: "https://nosuch.invalid:6443/api", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nosuch.invalid", IsNotFound: true}}}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"discovery read refused", fmt.Errorf("discovering the NodeMaintenance API: %w", refused("Get")),
			"the connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"},
		{"no such host", noHost, "the server nosuch.invalid:6443 cannot be reached: no such host nosuch.invalid - did you specify the right host?"},
		{"a write keeps its words", fmt.Errorf("creating x: %w", refused("Post")), ""},
		{"more after the cause", fmt.Errorf("scale back failed: %w; run it again", refused("Get")), ""},
		{"other error", errors.New("boom"), ""},
	}
	for _, c := range cases {
		got := Unreachable(c.err)
		want := c.want
		if want == "" {
			want = c.err.Error()
		} else if ExitCode(got) != ExitUnavailable {
			t.Errorf("%s: exit %d", c.name, ExitCode(got))
		}
		if got.Error() != want {
			t.Errorf("%s: %q, want %q", c.name, got.Error(), want)
		}
	}
}
