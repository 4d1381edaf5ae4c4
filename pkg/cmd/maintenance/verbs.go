package maintenance

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/describe"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/list"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/start"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/stop"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func verbs(f *cmdutil.Factory, streams genericiooptions.IOStreams) []*cobra.Command {
	return []*cobra.Command{
		start.NewCmdStart(f, streams, nil),
		stop.NewCmdStop(f, streams, nil),
		list.NewCmdList(f, streams, nil),
		describe.NewCmdDescribe(f, streams, nil),
	}
}
