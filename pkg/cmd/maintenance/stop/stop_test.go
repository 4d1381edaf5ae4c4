package stop

import (
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil/cmdtest"
)

// parse runs the command with args and returns the Options its runF received, without a
// cluster: the Factory has no session, so any request would fail.
func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	p := cmdtest.Parse(NewCmdStop, args...)
	got := p.Options
	if p.Err == nil && got == nil {
		t.Fatalf("%v: runF was not called", args)
	}
	if got != nil && (got.factory != p.Factory || got.streams.Out != p.Streams.Out) {
		t.Errorf("%v: Options do not carry the command's Factory and streams", args)
	}
	return got, p.Err
}

func TestFlagsToOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
	}{
		{args: []string{"n1"}, want: Options{Nodes: []string{"n1"}, Wait: true, Timeout: DefaultTimeout}},
		{args: []string{"n1", "n2"}, want: Options{Nodes: []string{"n1", "n2"}, Wait: true, Timeout: DefaultTimeout}},
		{args: []string{"--all"}, want: Options{All: true, Wait: true, Timeout: DefaultTimeout}},
		{args: []string{"n1", "--wait=false", "--timeout", "30s"}, want: Options{Nodes: []string{"n1"}, Timeout: 30 * time.Second}},
		{args: []string{"n1", "--dry-run", "--cancel-evacuations"}, want: Options{Nodes: []string{"n1"}, Wait: true, Timeout: DefaultTimeout, DryRun: true, CancelEvacuations: true}},
		// A dry run waits for nothing, so it may name evacuations to cancel without waiting.
		{args: []string{"n1", "--dry-run", "--cancel-evacuations", "--wait=false"}, want: Options{Nodes: []string{"n1"}, Timeout: DefaultTimeout, DryRun: true, CancelEvacuations: true}},
	} {
		got, err := parse(t, tc.args...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if strings.Join(got.Nodes, ",") != strings.Join(tc.want.Nodes, ",") || got.All != tc.want.All || got.Wait != tc.want.Wait ||
			got.Timeout != tc.want.Timeout || got.DryRun != tc.want.DryRun || got.CancelEvacuations != tc.want.CancelEvacuations {
			t.Errorf("%v: got %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}

// Bad input is refused before runF, with the usage exit code.
func TestBadInputNeverRuns(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args: nil, want: "name at least one node, or use --all"},
		{args: []string{"n1", "--all"}, want: "give node names or --all, not both"},
		{args: []string{"n1", "--timeout", "0s"}, want: "--timeout must be positive"},
		{args: []string{"n1", "--cancel-evacuations", "--wait=false"}, want: "--cancel-evacuations cancels the evacuations once each node is released, so it waits for that; drop --wait=false"},
		{args: []string{"Node_1"}, want: `"Node_1" is not a valid node name`},
	} {
		got, err := parse(t, tc.args...)
		if got != nil || err == nil || !strings.HasPrefix(err.Error(), tc.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: ran %v, error %v (exit %d); want %q, exit %d", tc.args, got != nil, err, cmdutil.ExitCode(err), tc.want, cmdutil.ExitUsage)
		}
	}
}
