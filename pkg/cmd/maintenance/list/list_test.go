package list

import (
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// An unknown -o names every format list takes, wide (its own table) among them, before any
// request is made.
func TestUnknownOutputFormatListsWide(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	cmd := NewCmdList(cmdutil.NewFactory(cmdutil.DefaultProgram()), streams, nil)
	cmd.SetArgs([]string{"-o", "tabel"})
	cmd.SilenceErrors = true
	err := cmd.Execute()
	want := `unknown output format "tabel": use wide, json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, or leave out -o for the table`
	if err == nil || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("got %v (exit %d), want %q", err, cmdutil.ExitCode(err), want)
	}
}
