package drainmethod

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

func namedPod(ns, name string) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

// Pending pods are told apart by their whole names, and a pod reported done that was never
// pending (or already done) changes nothing.
func TestDrainStatusCountsPodsByWholeName(t *testing.T) {
	out := make(chan maintenance.NodeMaintenance, 16)
	s := &drainStatus{out: out, ctx: context.Background()}
	s.start(3, []corev1.Pod{namedPod("ns", "web-10")})
	s.more([]corev1.Pod{namedPod("ns", "web-1"), namedPod("ns", "web-10")})
	if s.nm.EvictionPods != 2 || len(s.nm.PendingPods) != 2 {
		t.Fatalf("after more: %d to evict, pending %v; want 2 and [ns/web-10 ns/web-1]", s.nm.EvictionPods, s.nm.PendingPods)
	}
	s.done("ns/web-1")
	s.done("ns/web-1")
	s.done("ns/gone")
	if len(s.nm.PendingPods) != 1 || s.nm.PendingPods[0] != "ns/web-10" {
		t.Fatalf("pending %v, want [ns/web-10]", s.nm.PendingPods)
	}
	s.done("ns/web-10")
	var last maintenance.NodeMaintenance
	for len(out) > 0 {
		last = <-out
	}
	if last.DrainProgress != 100 || len(last.PendingPods) != 0 {
		t.Errorf("last published: %d%%, pending %v; want 100%% and none", last.DrainProgress, last.PendingPods)
	}
}
