package maintenance

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestRunAllOneAtATimeStopsAfterFailure(t *testing.T) {
	var mu sync.Mutex
	var order []string
	running := 0
	err := RunAll(context.Background(), []string{"a", "b", "c"}, 1, func(_ context.Context, n string) error {
		mu.Lock()
		running++
		if running > 1 {
			t.Errorf("two nodes at once with one slot")
		}
		order = append(order, n)
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		if n == "b" {
			return errors.New("b failed")
		}
		return nil
	})
	if err == nil || err.Error() != "b failed" {
		t.Fatalf("err = %v", err)
	}
	if len(order) != 2 || order[0] != "a" || order[1] != "b" {
		t.Fatalf("ran %v; c must not start after b failed", order)
	}
}

func TestRunAllOverlapsUpToMax(t *testing.T) {
	// Each node waits until the other has started: only possible if both run at once.
	started := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	other := map[string]string{"a": "b", "b": "a"}
	err := RunAll(context.Background(), []string{"a", "b"}, 2, func(ctx context.Context, n string) error {
		close(started[n])
		select {
		case <-started[other[n]]:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}
