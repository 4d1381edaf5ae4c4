package maintutil

import (
	"context"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// Progress picks the display: a live block redrawn on stderr when stderr is a terminal, plain
// change lines on stdout otherwise (stderr stays free of progress when it is not a terminal).
// The returned stop function ends the redraw ticker.
func Progress(ctx context.Context, streams genericiooptions.IOStreams) (*maintenance.ProgressPrinter, func()) {
	if cmdutil.IsTerminal(streams.ErrOut) {
		p := &maintenance.ProgressPrinter{Out: streams.ErrOut, Live: true, Width: cmdutil.TerminalWidth(streams.ErrOut)}
		ctx, cancel := context.WithCancel(ctx)
		// Redraw every second so elapsed times advance between events; this repaints the
		// screen, it does not query the cluster.
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					p.Refresh()
				}
			}
		}()
		return p, func() { cancel(); p.Close() }
	}
	return &maintenance.ProgressPrinter{Out: streams.Out}, func() {}
}
