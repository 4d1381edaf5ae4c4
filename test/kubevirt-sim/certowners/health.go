package certowners

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
)

// healthInterval is how often the owners log what they are doing. The owners work in one loop,
// so a request that hangs, or a resync that takes longer than the tests wait, stops every
// estate at once; when CI prints the log's tail (hack/cluster.sh logs) this line says which.
const healthInterval = 30 * time.Second

// reconcileTimeout bounds one estate's reconcile, so a request that never answers delays the
// other estates by at most this; what is left is done on the next event or resync.
const reconcileTimeout = time.Minute

// health records what the loop is doing and what it has done.
type health struct {
	mu         sync.Mutex
	doing      string
	since      time.Time
	resyncs    int
	reconciles int
	lastResync time.Duration
	estates    int
}

func (h *health) start(what string) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.doing, h.since = what, time.Now()
	return h.since
}

func (h *health) reconciled() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reconciles++
	h.doing = ""
}

func (h *health) resynced(started time.Time, estates int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.resyncs++
	h.lastResync = time.Since(started)
	h.estates = estates
	h.doing = ""
}

func (h *health) line(now time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := fmt.Sprintf("certowners health: estates=%d resyncs=%d last-resync=%s reconciles=%d",
		h.estates, h.resyncs, h.lastResync.Round(time.Millisecond), h.reconciles)
	if h.doing != "" {
		s += fmt.Sprintf(" busy=%q for %s", h.doing, now.Sub(h.since).Round(time.Second))
	}
	return s
}

func (h *health) report(ctx context.Context) {
	wait.UntilWithContext(ctx, func(context.Context) { klog.Info(h.line(time.Now())) }, healthInterval)
}
