// Package cmdtest runs a command's flag parsing in unit tests, as cli/cli's tests do: the
// command is built with a runF that keeps the Options instead of running them, so the mapping
// from flags to Options is tested without a cluster (the Factory has no session, so a request
// would fail).
package cmdtest

import (
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// Parsed is what one parse gave: the Options runF received (nil when the command refused the
// arguments before it), and the Factory and streams the command was built with, for checking
// that the Options carry them.
type Parsed[O any] struct {
	Options *O
	Factory *cmdutil.Factory
	Streams genericiooptions.IOStreams
	Err     error
}

// NewCmd is the constructor every command with a runF has.
type NewCmd[O any] func(*cmdutil.Factory, genericiooptions.IOStreams, func(*O) error) *cobra.Command

// Parse builds the command with newCmd and runs it with args.
func Parse[O any](newCmd NewCmd[O], args ...string) Parsed[O] {
	f := cmdutil.NewFactory(cmdutil.DefaultProgram())
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	p := Parsed[O]{Factory: f, Streams: streams}
	cmd := newCmd(f, streams, func(o *O) error { p.Options = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors = true
	p.Err = cmd.Execute()
	return p
}
