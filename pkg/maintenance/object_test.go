package maintenance

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Each API generation reports a different part of the drain's progress (see the CRDs under
// hack/crds/nodemaintenance); what is not reported must read as unknown, not as 0%.
func TestProgressOfEachAPIGeneration(t *testing.T) {
	for _, tc := range []struct {
		name, api         string
		status            map[string]interface{}
		progress          int64
		known, countsKnwn bool
		pending           []string
	}{
		{"no status yet", "nodemaintenance.medik8s.io/v1beta1", nil, 0, false, false, nil},
		{"medik8s reports it", "nodemaintenance.medik8s.io/v1beta1", map[string]interface{}{"phase": "Running", "drainProgress": int64(40), "evictionPods": int64(5),
			"pendingPods": []interface{}{"a/b", "a/c", "a/d"}}, 40, true, true, []string{"a/b", "a/c", "a/d"}},
		{"kubevirt v1beta1 running: from the counts", "nodemaintenance.kubevirt.io/v1beta1", map[string]interface{}{"phase": "Running", "evictionPods": int64(4),
			"totalpods": int64(6), "pendingPods": []interface{}{"a/b"}}, 75, true, true, []string{"a/b"}},
		{"kubevirt v1beta1 succeeded", "nodemaintenance.kubevirt.io/v1beta1", map[string]interface{}{"phase": "Succeeded", "evictionPods": int64(4), "totalpods": int64(6)},
			100, true, true, nil},
		{"kubevirt v1beta1 with nothing to evict, running", "nodemaintenance.kubevirt.io/v1beta1", map[string]interface{}{"phase": "Running", "evictionPods": int64(0)},
			0, false, true, nil},
		{"v1alpha1 succeeded", "kubevirt.io/v1alpha1", map[string]interface{}{"phase": "Succeeded"}, 100, true, false, nil},
		{"v1alpha1 running, pods as objects", "kubevirt.io/v1alpha1", map[string]interface{}{"phase": "Running", "pendingPods": []interface{}{
			map[string]interface{}{"metadata": map[string]interface{}{"namespace": "default", "name": "virt-launcher-a"}}}},
			0, false, false, []string{"default/virt-launcher-a"}},
		// The operators omit zeros: a medik8s phase without counts means none yet.
		{"medik8s running, zeros omitted", "nodemaintenance.medik8s.io/v1beta1", map[string]interface{}{"phase": "Running"}, 0, true, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": tc.api, "spec": map[string]interface{}{"nodeName": "n"}}}
			if tc.status != nil {
				u.Object["status"] = tc.status
			}
			nm := FromUnstructured(u)
			if nm.DrainProgress != tc.progress || nm.DrainKnown != tc.known || nm.PodCountsKnown != tc.countsKnwn {
				t.Errorf("progress %d known %v, counts known %v; want %d %v %v", nm.DrainProgress, nm.DrainKnown, nm.PodCountsKnown,
					tc.progress, tc.known, tc.countsKnwn)
			}
			if len(nm.PendingPods) != len(tc.pending) {
				t.Fatalf("pending %v, want %v", nm.PendingPods, tc.pending)
			}
			for i := range tc.pending {
				if nm.PendingPods[i] != tc.pending[i] {
					t.Errorf("pending %v, want %v", nm.PendingPods, tc.pending)
				}
			}
		})
	}
}
