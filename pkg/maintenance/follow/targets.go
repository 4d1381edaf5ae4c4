package follow

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// A migration whose target pod the scheduler cannot place sits in Scheduling until KubeVirt
// gives up (after 5 minutes) and then tries again after a backoff: a drain behind it never
// ends. The follower watches the target pods (labelled with their migration's UID) to say so,
// with the scheduler's own reason, instead of waiting until --timeout.

type unschedulableTarget struct {
	pod    string // namespace/name
	reason string // the PodScheduled condition's message
}

// runTargetPodInformer watches migration target pods in all namespaces; the label selector
// keeps it to the few pods of migrations in flight.
func (f *Follower) runTargetPodInformer(ctx context.Context, emit func(func(*followState))) cache.InformerSynced {
	pods := f.Clients.Kube.CoreV1().Pods(metav1.NamespaceAll)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = kvv1.MigrationJobLabel
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = kvv1.MigrationJobLabel
			return pods.Watch(ctx, o)
		},
	}
	set := func(obj interface{}, deleted bool) {
		pod, ok := unwrapTombstone(obj).(*corev1.Pod)
		if !ok {
			return
		}
		uid := types.UID(pod.Labels[kvv1.MigrationJobLabel])
		reason, unschedulable := maintenance.PodUnschedulable(pod)
		key := pod.Namespace + "/" + pod.Name
		emit(func(s *followState) {
			if deleted || !unschedulable {
				delete(s.targets, uid)
				return
			}
			s.targets[uid] = unschedulableTarget{pod: key, reason: reason}
		})
	}
	return startInformer(ctx, lw, &corev1.Pod{}, cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o interface{}) { set(o, false) },
		UpdateFunc: func(_, n interface{}) { set(n, false) },
		DeleteFunc: func(o interface{}) { set(o, true) },
	})
}
