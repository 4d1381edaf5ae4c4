// Command oc-cnv is the oc/kubectl plugin for OpenShift Virtualization. main only wires the
// process: streams, signals and the exit code; everything else is in pkg/.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/root"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func main() {
	os.Exit(run())
}

func run() int {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	f := cmdutil.NewFactory(cmdutil.ProgramFromArgs0(os.Args[0]))
	// The API server's warnings (a deprecated API, a questionable field of an object we patch)
	// reach the user as kubectl shows them, once each, rather than as klog lines.
	rest.SetDefaultWarningHandler(rest.NewWarningWriter(streams.ErrOut, rest.WarningWriterOptions{
		Deduplicate: true, Color: cmdutil.ColorEnabled(streams.ErrOut)}))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		// The first signal lets the running command clean up and report; a second one kills.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		cancel()
	}()

	err := root.NewCmdRoot(f, streams).ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	err = cmdutil.Unreachable(err)
	code := cmdutil.ExitCode(err)
	if code == cmdutil.ExitInterrupted && ctx.Err() == nil {
		code = cmdutil.ExitError
	}
	cmdutil.PrintError(streams.ErrOut, f.Program, err)
	return code
}
