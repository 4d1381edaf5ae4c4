package liveblock

import (
	"context"
	"time"
)

// EverySecond calls redraw once a second until stop is called or ctx ends, so that elapsed
// times advance between events. It repaints the screen; it does not query the cluster.
func EverySecond(ctx context.Context, redraw func()) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				redraw()
			}
		}
	}()
	return cancel
}
