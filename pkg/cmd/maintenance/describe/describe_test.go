package describe

import (
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil/cmdtest"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	p := cmdtest.Parse(NewCmdDescribe, args...)
	got := p.Options
	if got != nil && (got.factory != p.Factory || got.streams.Out != p.Streams.Out || got.now == nil) {
		t.Errorf("%v: Options do not carry the command's Factory, streams and clock", args)
	}
	return got, p.Err
}

// The one argument is a node or a NodeMaintenance name; which one is for Run to find out.
func TestArgumentToOptions(t *testing.T) {
	for _, arg := range []string{"node02", "node02-maintenance", "worker-0.example.com"} {
		got, err := parse(t, arg)
		if err != nil || got == nil || got.Target != arg {
			t.Errorf("%s: got %+v, %v; want Target %s", arg, got, err, arg)
		}
	}
}

// Bad input is refused before runF; a name that can be neither a node nor an object exits with
// the usage code.
func TestBadInputNeverRuns(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{args: nil, want: "accepts 1 arg(s), received 0"},
		{args: []string{"n1", "n2"}, want: "accepts 1 arg(s), received 2"},
		{args: []string{"Node_1"}, want: `"Node_1" is not a valid node or NodeMaintenance name`, code: cmdutil.ExitUsage},
	} {
		got, err := parse(t, tc.args...)
		if got != nil || err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v: ran %v, error %v; want %q", tc.args, got != nil, err, tc.want)
			continue
		}
		if tc.code != 0 && cmdutil.ExitCode(err) != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.args, cmdutil.ExitCode(err), tc.code)
		}
	}
}
