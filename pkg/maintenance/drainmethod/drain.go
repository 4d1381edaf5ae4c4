package drainmethod

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubectl/pkg/drain"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// MarkNode cordons the node, adds the drain taint, and records on the node that oc-cnv put it
// into maintenance (label + reason/start annotations) so stop, list and describe find it
// without a NodeMaintenance object. It also drops the request's cordon mark (CordonRequest):
// the node is now held by its maintenance. It is idempotent.
func MarkNode(ctx context.Context, c maintenance.Clients, node, reason string, now time.Time) error {
	return maintenance.PatchNode(ctx, c, node, func(n *corev1.Node) map[string]any {
		taints := n.Spec.Taints
		if !hasTaint(n, maintenance.TaintDrain) {
			taints = append(append([]corev1.Taint(nil), taints...), corev1.Taint{Key: maintenance.TaintDrain, Effect: corev1.TaintEffectNoSchedule})
		}
		annotations := map[string]any{maintenance.AnnotationCordonedForRequest: nil}
		if _, ok := n.Annotations[maintenance.AnnotationStarted]; !ok {
			annotations[maintenance.AnnotationStarted] = now.UTC().Format(time.RFC3339)
			annotations[maintenance.AnnotationReason] = reason
		}
		return map[string]any{
			"metadata": map[string]any{
				"labels":      map[string]any{maintenance.LabelMaintenance: string(maintenance.MethodDrain)},
				"annotations": annotations,
			},
			"spec": map[string]any{"unschedulable": true, "taints": taints},
		}
	})
}

// UnmarkNode undoes MarkNode: uncordon, drop the drain taint, the label and the annotations.
func UnmarkNode(ctx context.Context, c maintenance.Clients, node string) error {
	return maintenance.PatchNode(ctx, c, node, func(n *corev1.Node) map[string]any {
		taints := []corev1.Taint{}
		for _, t := range n.Spec.Taints {
			if t.Key != maintenance.TaintDrain {
				taints = append(taints, t)
			}
		}
		return map[string]any{
			"metadata": map[string]any{
				"labels": map[string]any{maintenance.LabelMaintenance: nil},
				"annotations": map[string]any{maintenance.AnnotationReason: nil, maintenance.AnnotationStarted: nil, maintenance.AnnotationLastError: nil,
					maintenance.AnnotationLastErrorTime: nil, maintenance.AnnotationCordonedForRequest: nil},
			},
			"spec": map[string]any{"unschedulable": false, "taints": taints},
		}
	})
}

func hasTaint(n *corev1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key {
			return true
		}
	}
	return false
}

// webhookRetryInterval is how long the drain waits before evicting again after virt-api did
// not answer: the interval kubectl's helper uses after a 429.
const webhookRetryInterval = 5 * time.Second

// DrainNode evicts the node's pods with k8s.io/kubectl/pkg/drain using the operator's
// settings (ignore DaemonSets, delete emptyDir data, force, the pods' own grace period), and
// reports progress on status in the NodeMaintenance shape so the same Follower and displays
// serve both methods. status is closed when it returns.
func DrainNode(ctx context.Context, c maintenance.Clients, node string, status chan<- maintenance.NodeMaintenance) error {
	defer close(status)
	// The node records the drain's last refusal while it runs; at the end it is cleared after a
	// success, holds the error after a failure, and stays as it is when the wait is interrupted
	// (the drain is not done and the refusal still stands).
	rec := newErrorRecorder(c, node)
	recCtx, stopRecording := context.WithCancel(ctx)
	recorded := make(chan struct{})
	go func() { defer close(recorded); rec.run(recCtx, errorRecordInterval) }()
	defer func() { stopRecording(); <-recorded }()
	st := &drainStatus{nm: maintenance.NodeMaintenance{NodeName: node, Phase: maintenance.PhaseRunning}, out: status, ctx: ctx, onError: rec.set, onEnd: rec.finish}
	h := &drain.Helper{
		Ctx:                 ctx,
		Client:              c.Kube,
		Force:               true,
		IgnoreAllDaemonSets: true,
		DeleteEmptyDirData:  true,
		GracePeriodSeconds:  -1,
		Out:                 io.Discard,
		// The helper reports refused evictions (KubeVirt's 429 for a VM that must migrate or
		// cannot) only as text on ErrOut; it becomes the status' lastError like the operator's.
		ErrOut: &lineWriter{fn: st.setError},
		OnPodDeletionOrEvictionFinished: func(pod *corev1.Pod, _ bool, err error) {
			if err == nil {
				st.done(pod.Namespace + "/" + pod.Name)
			}
		},
	}
	// The operator drains again until nothing evictable is left; so does this loop, because
	// pods can appear while the first pass runs (a DaemonSet-less controller racing the cordon).
	for pass := 0; ; pass++ {
		list, errs := h.GetPodsForDeletion(node)
		if len(errs) > 0 {
			st.fail(errors.Join(errs...).Error())
			return errors.Join(errs...)
		}
		pods := list.Pods()
		if pass == 0 {
			all, err := maintenance.PodsOnNode(ctx, c, node)
			if err != nil {
				st.fail(err.Error())
				return err
			}
			st.start(len(all), pods)
		} else {
			st.more(pods)
		}
		if len(pods) == 0 {
			st.succeed()
			return nil
		}
		if err := h.DeleteOrEvictPods(pods); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if maintenance.EvictionWebhookDown(err.Error()) {
				// kubectl's helper gives up on anything but 429; virt-api being down is
				// temporary, so wait for it within --timeout as the operator does.
				st.setError(err.Error())
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(webhookRetryInterval):
				}
				continue
			}
			st.fail(err.Error())
			return err
		}
		// Every pod of the pass is gone now. The helper reports no finish for a pod that was
		// already gone when its eviction was sent (404), so drop them all from the pending list.
		for _, p := range pods {
			st.done(p.Namespace + "/" + p.Name)
		}
	}
}

type drainStatus struct {
	mu  sync.Mutex
	nm  maintenance.NodeMaintenance
	out chan<- maintenance.NodeMaintenance
	ctx context.Context
	// onError is told every change of the last error; onEnd the final one ("" after a success),
	// before the result is published.
	onError func(string)
	onEnd   func(ctx context.Context, lastError string)
}

func (s *drainStatus) errorChanged() {
	if s.onError != nil {
		s.onError(s.nm.LastError)
	}
}

func (s *drainStatus) publishLocked() {
	nm := s.nm
	nm.PendingPods = append([]string(nil), s.nm.PendingPods...)
	// This command does the drain, so it knows the counts from the start.
	nm.DrainKnown, nm.PodCountsKnown = true, true
	if nm.EvictionPods > 0 {
		nm.DrainProgress = (nm.EvictionPods - int64(len(nm.PendingPods))) * 100 / nm.EvictionPods
	} else if nm.Phase == maintenance.PhaseSucceeded {
		nm.DrainProgress = 100
	}
	nm.LastUpdate = time.Now()
	select {
	case s.out <- nm:
	case <-s.ctx.Done():
	}
}

func (s *drainStatus) start(total int, pods []corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nm.TotalPods = int64(total)
	s.nm.EvictionPods = int64(len(pods))
	for _, p := range pods {
		s.nm.PendingPods = append(s.nm.PendingPods, p.Namespace+"/"+p.Name)
	}
	s.publishLocked()
}

func (s *drainStatus) more(pods []corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pods {
		key := p.Namespace + "/" + p.Name
		if !slices.Contains(s.nm.PendingPods, key) {
			s.nm.PendingPods = append(s.nm.PendingPods, key)
			s.nm.EvictionPods++
		}
	}
	s.publishLocked()
}

func (s *drainStatus) done(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.nm.PendingPods, key) {
		return
	}
	var left []string
	for _, p := range s.nm.PendingPods {
		if p != key {
			left = append(left, p)
		}
	}
	s.nm.PendingPods = left
	s.publishLocked()
}

func (s *drainStatus) setError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nm.LastError == msg {
		return
	}
	s.nm.LastError = msg
	s.errorChanged()
	s.publishLocked()
}

func (s *drainStatus) succeed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nm.Phase = maintenance.PhaseSucceeded
	s.nm.LastError = ""
	s.ended()
	s.publishLocked()
}

func (s *drainStatus) fail(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nm.Phase = maintenance.PhaseFailed
	s.nm.LastError = msg
	s.ended()
	s.publishLocked()
}

func (s *drainStatus) ended() {
	if s.onEnd != nil && s.ctx.Err() == nil {
		s.onEnd(s.ctx, s.nm.LastError)
	}
}

// lineWriter turns writes into calls per complete line.
type lineWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	fn  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	var lines []string
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			// Keep the partial line for the next write.
			w.buf.Reset()
			w.buf.WriteString(line)
			break
		}
		lines = append(lines, strings.TrimRight(line, "\n"))
	}
	w.mu.Unlock()
	for _, l := range lines {
		w.fn(l)
	}
	return len(p), nil
}
