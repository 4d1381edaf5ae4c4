package maintutil

import (
	"context"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/liveblock"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// Progress picks the display: a live block redrawn on stderr when stderr is a terminal, plain
// change lines on stdout otherwise (stderr stays free of progress when it is not a terminal).
// The returned stop function ends the redraw ticker.
func Progress(ctx context.Context, streams genericiooptions.IOStreams) (*printers.MaintenanceProgress, func()) {
	if cmdutil.IsTerminal(streams.ErrOut) {
		p := &printers.MaintenanceProgress{Out: streams.ErrOut, Live: true, Width: cmdutil.TerminalWidth(streams.ErrOut)}
		stop := liveblock.EverySecond(ctx, p.Refresh)
		return p, func() { stop(); p.Close() }
	}
	return &printers.MaintenanceProgress{Out: streams.Out}, func() {}
}
