package maintenance_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/drainmethod"
)

// WatchList turns the objects' and the drained nodes' notifications into entries: an object's
// creation and deletion, a node's drain and its end, each as it happens, and it returns ctx's
// error when the watch is ended.
func TestWatchListReportsBothMethods(t *testing.T) {
	c := inventoryFixture()
	api := testAPI
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var seen []string
	done := make(chan error, 1)
	go func() {
		done <- c.WatchList(ctx, &api, false, func(ch maintenance.ListChange) error {
			mu.Lock()
			defer mu.Unlock()
			what := fmt.Sprintf("%s %s %s", ch.Entry.Method, ch.Entry.NodeName, ch.Entry.Name)
			if ch.Deleted {
				what += " deleted"
			}
			if ch.Err != nil {
				what += " error"
			}
			seen = append(seen, what)
			return nil
		})
	}()
	waitSeen := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			all := strings.Join(seen, "\n")
			mu.Unlock()
			if strings.Contains(all, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q among:\n%s", want, all)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The informers' first lists.
	waitSeen("operator n1 console-made")
	waitSeen("drain n2 ")

	if err := c.Dynamic.Resource(api.GVR).Delete(ctx, "console-made", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSeen("operator n1 console-made deleted")
	if err := drainmethod.UnmarkNode(ctx, c, "n2"); err != nil {
		t.Fatal(err)
	}
	waitSeen("drain n2  deleted")
	if err := drainmethod.MarkNode(ctx, c, "n4", "fan", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitSeen("drain n4 ")

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("ended watch returned %v, want context.Canceled", err)
	}
}
