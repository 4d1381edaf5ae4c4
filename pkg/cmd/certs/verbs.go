package certs

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/certs/check"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/certs/rotate"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func verbs(f *cmdutil.Factory, streams genericiooptions.IOStreams) []*cobra.Command {
	return []*cobra.Command{
		check.NewCmdCheck(f, streams),
		rotate.NewCmdRotate(f, streams),
	}
}
