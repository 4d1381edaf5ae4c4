package list

import (
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil/cmdtest"
)

// An unknown -o names every format list takes, wide (its own table) among them, before any
// request is made.
func TestUnknownOutputFormatListsWide(t *testing.T) {
	err := cmdtest.Parse(NewCmdList, "-o", "tabel").Err
	want := `unknown output format "tabel": use wide, json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, or leave out -o for the table`
	if err == nil || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("got %v (exit %d), want %q", err, cmdutil.ExitCode(err), want)
	}
}

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	p := cmdtest.Parse(NewCmdList, args...)
	got := p.Options
	if got != nil && (got.factory != p.Factory || got.streams.Out != p.Streams.Out || got.now == nil) {
		t.Errorf("%v: Options do not carry the command's Factory, streams and clock", args)
	}
	return got, p.Err
}

func TestFlagsToOptions(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		format    string
		watch     bool
		noHeaders bool
	}{
		{args: nil},
		{args: []string{"-o", "wide"}, format: "wide"},
		{args: []string{"-o", "json"}, format: "json"},
		{args: []string{"-o", "jsonpath={.items[*].spec.nodeName}"}, format: "jsonpath={.items[*].spec.nodeName}"},
		{args: []string{"-w", "--no-headers"}, watch: true, noHeaders: true},
		{args: []string{"--watch", "-o", "wide"}, format: "wide", watch: true},
	} {
		got, err := parse(t, tc.args...)
		if err != nil || got == nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if got.format() != tc.format || got.Watch != tc.watch || got.NoHeaders != tc.noHeaders {
			t.Errorf("%v: format %q watch %v no-headers %v; want %q %v %v", tc.args, got.format(), got.Watch, got.NoHeaders, tc.format, tc.watch, tc.noHeaders)
		}
	}
}

// Bad input is refused before runF, with the usage exit code where the command decides it.
func TestBadInputNeverRuns(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{args: []string{"n1"}, want: `unknown command "n1" for "list"`},
		{args: []string{"-w", "-o", "yaml"}, want: "--watch prints the table; it cannot be combined with -o yaml", code: cmdutil.ExitUsage},
		{args: []string{"-o", "tabel"}, want: `unknown output format "tabel"`, code: cmdutil.ExitUsage},
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
