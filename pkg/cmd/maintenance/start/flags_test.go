package start

import (
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil/cmdtest"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/follow"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	p := cmdtest.Parse(NewCmdStart, args...)
	got := p.Options
	if got != nil && (got.factory != p.Factory || got.streams.Out != p.Streams.Out || got.prompter == nil) {
		t.Errorf("%v: Options do not carry the command's Factory, streams and prompter", args)
	}
	return got, p.Err
}

func TestFlagsToOptions(t *testing.T) {
	got, err := parse(t, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Nodes, ",") != "n1" || got.Method != string(maintenance.MethodOperator) || !got.Wait || got.DryRun != "none" ||
		got.MaxConcurrent != 1 || got.StallTimeout != follow.DefaultStallAfter || got.Timeout != 0 || got.Yes || got.Force || got.reasonGiven {
		t.Errorf("defaults: %+v", *got)
	}

	got, err = parse(t, "n1", "n2", "--reason", "rack move", "--yes", "--force", "--max-concurrent", "2",
		"--timeout", "10m", "--stall-timeout", "1m", "--wait=false")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Nodes, ",") != "n1,n2" || got.Reason != "rack move" || !got.reasonGiven || !got.Yes || !got.Force ||
		got.MaxConcurrent != 2 || got.Timeout != 10*time.Minute || got.StallTimeout != time.Minute || got.Wait {
		t.Errorf("every flag: %+v", *got)
	}

	// --dry-run alone means client; -o needs a dry run and is turned into its printer.
	got, err = parse(t, "n1", "--dry-run", "-o", "yaml", "--name", "n1-dimm")
	if err != nil {
		t.Fatal(err)
	}
	if got.DryRun != "client" || got.printer == nil || got.objectName("n1") != "n1-dimm" {
		t.Errorf("dry run: %+v", *got)
	}

	got, err = parse(t, "-l", "rack=r12", "--method=drain")
	if err != nil {
		t.Fatal(err)
	}
	if got.Selector != "rack=r12" || got.selector == nil || got.selector.String() != "rack=r12" || got.Method != string(maintenance.MethodDrain) {
		t.Errorf("selector: %+v", *got)
	}
}

// Bad input is refused before runF, with the usage exit code.
func TestBadFlagsNeverRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args: nil, want: "name at least one node, or select nodes with -l"},
		{args: []string{"n1", "-l", "a=b"}, want: "give node names or -l, not both"},
		{args: []string{"n1", "--reason", ""}, want: ""},
		{args: []string{"-l", "a=b", "--name", "x"}, want: "--name can only be used with a single node"},
		{args: []string{"n1", "--method=drain", "--wait=false"}, want: "--method=drain drains from this command"},
		{args: []string{"n1", "-o", "json"}, want: "-o/--output is only used with --dry-run"},
		{args: []string{"n1", "n1"}, want: "node n1 is named twice"},
	} {
		got, err := parse(t, tc.args...)
		if got != nil || err == nil || !strings.HasPrefix(err.Error(), tc.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: ran %v, error %v (exit %d); want %q", tc.args, got != nil, err, cmdutil.ExitCode(err), tc.want)
		}
	}
}
