//go:build bench

package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/apiproxy"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// benchWait: the bench plays the Node Maintenance Operator (the bench cluster serves the CRD
// without it) and measures how long `maintenance start --wait` takes to exit once the
// NodeMaintenance reaches Succeeded, and how many requests it makes while it waits.
func benchWait(t *testing.T, e *benchEnv, rep *report, window time.Duration, runs int) {
	const node = "node-000001"
	name := node + "-maintenance"
	proxy := apiproxy.New(t, e.cfg)
	kc := proxy.Kubeconfig(t)
	ctx := context.Background()
	setPhase := func(phase string) {
		t.Helper()
		nm, err := e.dyn.Resource(nmGVR).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		nm.Object["status"] = map[string]any{"phase": phase, "drainProgress": int64(map[bool]int{true: 100}[phase == "Succeeded"]),
			"totalpods": int64(0), "evictionPods": int64(0), "lastUpdate": time.Now().UTC().Format(time.RFC3339)}
		if _, err := e.dyn.Resource(nmGVR).UpdateStatus(ctx, nm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var lat []time.Duration
	windowRequests, windowWatches := -1, -1
	for i := 0; i < runs; i++ {
		cmd := exec.Command(e.bin, "maintenance", "start", node, "--yes", "--reason", "bench")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kc)
		var out, errOut lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan time.Time, 1)
		go func() { _ = cmd.Wait(); exited <- time.Now() }()
		waitFor(t, time.Minute, "the NodeMaintenance", func() (bool, error) {
			_, err := e.dyn.Resource(nmGVR).Get(ctx, name, metav1.GetOptions{})
			return err == nil, nil
		})
		setPhase("Running")
		waitFor(t, time.Minute, "oc-cnv to report the drain Running", func() (bool, error) {
			return strings.Contains(out.String(), "Running"), nil
		})
		if i == 0 {
			// The measurement window: oc-cnv waits on its watches while nothing changes.
			proxy.Reset()
			time.Sleep(window)
			windowRequests, windowWatches, _ = proxy.Reset()
		}
		t0 := time.Now()
		setPhase("Succeeded")
		select {
		case at := <-exited:
			lat = append(lat, at.Sub(t0))
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("oc-cnv did not exit after Succeeded:\n%s\n%s", out.String(), errOut.String())
		}
		if cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("oc-cnv exited %d:\n%s", cmd.ProcessState.ExitCode(), lastLines(errOut.String(), 3))
		}
		if err := e.dyn.Resource(nmGVR).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Minute, "the NodeMaintenance to be gone", func() (bool, error) {
			_, err := e.dyn.Resource(nmGVR).Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	}
	m := median(lat)
	rep.add(fmt.Sprintf("`maintenance start --wait`: NodeMaintenance Succeeded → oc-cnv exited, median of %d", runs),
		ms(m), "—", "—", "< 100 ms", m < 100*time.Millisecond)
	rep.add(fmt.Sprintf("`maintenance start --wait`: API requests during %s of waiting (of them watches)", window),
		fmt.Sprintf("%d (%d)", windowRequests, windowWatches), "—", "—", "a constant handful, no polling", windowRequests >= 0 && windowRequests <= 5)
}
