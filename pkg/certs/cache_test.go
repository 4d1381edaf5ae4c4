package certs

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// A user who may not list Secrets gets the reads of the API server at once, not after the
// cache's whole sync timeout.
func TestCacheGivesUpAtOnceWhenForbidden(t *testing.T) {
	c := fake.NewClientset()
	c.PrependReactor("list", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", errors.New("no"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	_, err := startCache(ctx, c, []string{"cnv"})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("error %v, want forbidden", err)
	}
	if d := time.Since(start); d > cacheSyncTimeout/2 {
		t.Errorf("gave up after %s", d)
	}
}

// A change to a watched object wakes a waiter that took the channel before the change.
func TestCacheWakesWaitersOnChange(t *testing.T) {
	c := fake.NewClientset()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cr, err := startCache(ctx, c, []string{"cnv"})
	if err != nil {
		t.Fatal(err)
	}
	woke := cr.next()
	if _, err := c.CoreV1().Secrets("cnv").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "kubevirt-ca", Namespace: "cnv"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("not woken by a new Secret")
	}
	if err := waitUntil(10*time.Second, func() bool { s, err := cr.secret(ctx, "cnv", "kubevirt-ca"); return err == nil && s != nil }); err != nil {
		t.Fatal("the cache never held the new Secret")
	}
}

func waitUntil(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
