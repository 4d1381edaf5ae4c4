package drainmethod

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// errorRecordInterval is the least time between two writes of the record: a drain retries a
// refused eviction every 5s, and two blocked pods alternate their messages, so writing every
// change at once could write the node every few seconds. The first refusal is written at once.
const errorRecordInterval = 2 * time.Second

// maxRecordedError bounds the annotation; the first line is what list and describe show.
const maxRecordedError = 1024

// errorRecorder keeps the --method=drain node's last-error annotations in line with the drain's
// last error, at most once per interval. Writing is best effort: a drain does not fail because
// its record could not be written.
type errorRecorder struct {
	c       maintenance.Clients
	node    string
	now     func() time.Time
	changed chan struct{}

	mu     sync.Mutex
	latest string
	at     time.Time
	// written is what the node holds, unknownRecord until the first write: a drain that was
	// interrupted may have left a record this one must clear.
	written string
}

const unknownRecord = "\x00unknown"

func newErrorRecorder(c maintenance.Clients, node string) *errorRecorder {
	return &errorRecorder{c: c, node: node, now: time.Now, written: unknownRecord, changed: make(chan struct{}, 1)}
}

// set records the drain's current last error; "" clears it.
func (r *errorRecorder) set(msg string) {
	if len(msg) > maxRecordedError {
		msg = msg[:maxRecordedError]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if msg == r.latest {
		return
	}
	r.latest, r.at = msg, r.now()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// run writes each change, waiting out the interval since the previous write, until ctx ends.
func (r *errorRecorder) run(ctx context.Context, every time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.changed:
		}
		r.flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// finish writes the drain's final word before it is reported (the caller may end the drain's
// context as soon as it sees the result): the record cleared after a success, the error after
// a failure.
func (r *errorRecorder) finish(ctx context.Context, msg string) {
	r.set(msg)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	r.flush(ctx)
}

// flush writes the latest error if it differs from what the node holds.
func (r *errorRecorder) flush(ctx context.Context) {
	r.mu.Lock()
	msg, at, written := r.latest, r.at, r.written
	r.mu.Unlock()
	if msg == written {
		return
	}
	ann := map[string]any{maintenance.AnnotationLastError: nil, maintenance.AnnotationLastErrorTime: nil}
	if msg != "" {
		ann[maintenance.AnnotationLastError] = msg
		ann[maintenance.AnnotationLastErrorTime] = at.UTC().Format(time.RFC3339)
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": ann}})
	if err != nil {
		return
	}
	if _, err := r.c.Kube.CoreV1().Nodes().Patch(ctx, r.node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		// Tried again at the next change, or by finish.
		return
	}
	r.mu.Lock()
	r.written = msg
	r.mu.Unlock()
}
