package vms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// healthInterval is how often the simulator logs what its controllers are doing. When an e2e
// test fails because the simulator did not act, CI prints the log's tail (hack/cluster.sh
// logs): these lines say whether a queue was backed up, a sync hung, or an informer stopped
// following the API server (its resource version no longer moving).
const healthInterval = 30 * time.Second

func (s *simulator) reportHealth(ctx context.Context) {
	wait.UntilWithContext(ctx, func(context.Context) { klog.Info(s.health(time.Now())) }, healthInterval)
}

// health is one line: per controller its queue, its syncs in flight (and the oldest one's key
// and age) and the syncs done; per informer the items it holds and the resource version it has
// seen last.
func (s *simulator) health(now time.Time) string {
	var b strings.Builder
	b.WriteString("vms health:")
	for _, l := range []*loop{s.vmCtl, s.vmiCtl, s.evacuationCtl, s.migrationCtl} {
		busy, oldest, age := l.inFlight(now)
		fmt.Fprintf(&b, " %s[queued=%d busy=%d synced=%d", l.name, l.queue.Len(), busy, l.synced.Load())
		if busy > 0 {
			fmt.Fprintf(&b, " oldest=%s for %s", oldest, age.Round(time.Second))
		}
		b.WriteString("]")
	}
	for _, inf := range []struct {
		name string
		i    cache.SharedIndexInformer
	}{{"vms", s.vms}, {"vmis", s.vmis}, {"vmims", s.vmims}, {"pods", s.pods}} {
		fmt.Fprintf(&b, " %s[n=%d rv=%s]", inf.name, len(inf.i.GetStore().ListKeys()), inf.i.LastSyncResourceVersion())
	}
	return b.String()
}

// inFlight counts the syncs running now and names the oldest.
func (l *loop) inFlight(now time.Time) (n int, oldest string, age time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, since := range l.busy {
		if d := now.Sub(since); oldest == "" || d > age {
			oldest, age = k, d
		}
	}
	return len(l.busy), oldest, age
}
