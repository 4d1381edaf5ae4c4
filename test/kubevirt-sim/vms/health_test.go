package vms

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

// A sync in flight shows in the health line with its key and age until it returns.
func TestLoopHealthShowsSyncsInFlight(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	l := newLoop("vm", func(context.Context, string) error {
		close(entered)
		<-release
		return nil
	})
	done := make(chan error)
	go func() { done <- l.syncOne(context.Background(), "ns/stuck") }()
	<-entered
	n, oldest, age := l.inFlight(time.Now().Add(45 * time.Second))
	if n != 1 || oldest != "ns/stuck" || age < 45*time.Second {
		t.Fatalf("inFlight = %d, %q, %s; want 1, ns/stuck, >= 45s", n, oldest, age)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _, _ := l.inFlight(time.Now()); n != 0 || l.synced.Load() != 1 {
		t.Fatalf("after the sync returned: %d in flight, %d synced; want 0, 1", n, l.synced.Load())
	}
}

func TestLoopHealthNamesTheOldestSync(t *testing.T) {
	l := newLoop("vmi", nil)
	now := time.Now()
	l.busy["ns/later"] = now.Add(-time.Second)
	l.busy["ns/stuck"] = now.Add(-45 * time.Second)
	if n, oldest, age := l.inFlight(now); n != 2 || oldest != "ns/stuck" || age != 45*time.Second {
		t.Fatalf("inFlight = %d, %q, %s; want 2, ns/stuck, 45s", n, oldest, age)
	}
}

func TestLoopSyncHasADeadline(t *testing.T) {
	l := newLoop("vmi", func(ctx context.Context, _ string) error {
		d, ok := ctx.Deadline()
		if !ok || time.Until(d) > syncTimeout {
			return errors.New("no deadline within syncTimeout")
		}
		return nil
	})
	if err := l.syncOne(context.Background(), "ns/x"); err != nil {
		t.Fatal(err)
	}
}

func TestHealthLineNamesEveryControllerAndInformer(t *testing.T) {
	s := newSimulator(fake.NewClientset(), kvfake.NewSimpleClientset(), &Options{})
	line := s.health(time.Now())
	for _, want := range []string{"vm[queued=0 busy=0 synced=0]", "vmi[", "evacuation[", "migration[", "vms[n=0", "pods[n=0"} {
		if !strings.Contains(line, want) {
			t.Errorf("health line lacks %q:\n%s", want, line)
		}
	}
}
