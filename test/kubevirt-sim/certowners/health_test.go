package certowners

import (
	"strings"
	"testing"
	"time"
)

func TestHealthLineSaysWhatTheLoopIsStuckOn(t *testing.T) {
	h := &health{}
	started := h.start("resync")
	h.resynced(started, 3)
	h.start("reconcile e2e-x")
	line := h.line(time.Now().Add(90 * time.Second))
	for _, want := range []string{"estates=3", "resyncs=1", `busy="reconcile e2e-x" for 1m30s`} {
		if !strings.Contains(line, want) {
			t.Errorf("health line lacks %q:\n%s", want, line)
		}
	}
	h.reconciled()
	if line := h.line(time.Now()); strings.Contains(line, "busy=") || !strings.Contains(line, "reconciles=1") {
		t.Errorf("after the reconcile: %s", line)
	}
}
