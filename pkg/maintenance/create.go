package maintenance

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Create writes the NodeMaintenance. With serverDryRun the API server (and the operator's
// validating webhook) checks the object without persisting it.
func Create(ctx context.Context, c Clients, api API, name, node, reason string, serverDryRun bool) (*unstructured.Unstructured, error) {
	obj := NewObject(api, name, node, reason)
	opts := metav1.CreateOptions{}
	if serverDryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := c.Dynamic.Resource(api.GVR).Create(ctx, obj, opts)
	if err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("a NodeMaintenance named %q already exists for another node; choose another name with --name", name)
		}
		return nil, fmt.Errorf("creating NodeMaintenance %s for node %s: %w", name, node, err)
	}
	return out, nil
}

// RunAll runs fn for every node with at most maxConcurrent at a time (1: strictly one after
// the other, each finishing before the next starts). After the first error no further node is
// started; nodes already running finish their own fn. The error is recorded before the slot is
// released, so with one slot a failed node always prevents the next one.
func RunAll(ctx context.Context, nodes []string, maxConcurrent int, fn func(ctx context.Context, node string) error) error {
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	sem := make(chan struct{}, maxConcurrent)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	for _, n := range nodes {
		sem <- struct{}{}
		if failed() || ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func(node string) {
			defer wg.Done()
			if err := fn(ctx, node); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
			<-sem
		}(n)
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}
