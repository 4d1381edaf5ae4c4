package certs

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func verbs(f *cmdutil.Factory, streams genericiooptions.IOStreams) []*cobra.Command {
	return []*cobra.Command{
		cmdutil.Placeholder("check", "Show the expiry and trust of every certificate"),
		cmdutil.Placeholder("rotate", "Have the operators re-issue the certificates, then verify"),
	}
}
