package cmdutil

import (
	"testing"

	"github.com/creack/pty"
)

// no-color.org: NO_COLOR disables colour when present and not empty; an empty one does not.
func TestColorEnabledFollowsNoColor(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { _ = ptmx.Close(); _ = tty.Close() })
	t.Setenv("TERM", "xterm-256color")
	for _, c := range []struct {
		value string
		want  bool
	}{{"", true}, {"1", false}, {"false", false}} {
		t.Setenv("NO_COLOR", c.value)
		if got := ColorEnabled(tty); got != c.want {
			t.Errorf("NO_COLOR=%q: colour %t, want %t", c.value, got, c.want)
		}
	}
}
