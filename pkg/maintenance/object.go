package maintenance

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Phases the operator reports in status.phase.
const (
	PhaseRunning   = "Running"
	PhaseSucceeded = "Succeeded"
	PhaseFailed    = "Failed"
)

// NodeMaintenance is a read-only view over a NodeMaintenance object of any API generation.
// The object is handled as unstructured because three groups serve it and none of them ships a
// Go client we could depend on; the field names are the same in all of them.
type NodeMaintenance struct {
	Name              string
	UID               string
	ResourceVersion   string
	CreationTimestamp time.Time
	Deleting          bool
	Finalizers        []string

	NodeName string
	Reason   string

	Phase         string
	DrainProgress int64
	// DrainKnown is false when the object holds nothing the progress can be read or derived
	// from: a new object has no status yet, and the older operators never wrote drainProgress
	// (nodemaintenance.kubevirt.io/v1beta1 wrote only pod counts, kubevirt.io/v1alpha1 only
	// the phase). Renderers then show "-", never a made-up 0%.
	DrainKnown bool
	// PodCountsKnown is false when evictionPods was never reported.
	PodCountsKnown    bool
	TotalPods         int64
	EvictionPods      int64
	PendingPods       []string
	LastError         string
	LastUpdate        time.Time
	ErrorOnLeaseCount int64

	// Object is the object as read, for -o json|yaml.
	Object *unstructured.Unstructured
}

// FromUnstructured reads the fields the product uses. Missing fields stay at their zero value:
// a freshly created object has no status until the operator reconciles it.
func FromUnstructured(u *unstructured.Unstructured) NodeMaintenance {
	nm := NodeMaintenance{
		Name:              u.GetName(),
		UID:               string(u.GetUID()),
		ResourceVersion:   u.GetResourceVersion(),
		CreationTimestamp: u.GetCreationTimestamp().Time,
		Deleting:          u.GetDeletionTimestamp() != nil,
		Finalizers:        u.GetFinalizers(),
		Object:            u,
	}
	nm.NodeName, _, _ = unstructured.NestedString(u.Object, "spec", "nodeName")
	nm.Reason, _, _ = unstructured.NestedString(u.Object, "spec", "reason")
	nm.Phase, _, _ = unstructured.NestedString(u.Object, "status", "phase")
	// The operators omit zero counts (omitempty), so once an operator has written a phase an
	// absent count is 0 for the generations that have the field, and unknown for those that
	// never had it: no counts in kubevirt.io/v1alpha1, no drainProgress but in medik8s.
	reported := nm.Phase != ""
	gv := u.GetAPIVersion()
	nm.DrainProgress, nm.DrainKnown = nestedNumber(u, "status", "drainProgress")
	nm.DrainKnown = nm.DrainKnown || reported && strings.HasPrefix(gv, "nodemaintenance.medik8s.io/")
	nm.TotalPods, _ = nestedNumber(u, "status", "totalpods")
	nm.EvictionPods, nm.PodCountsKnown = nestedNumber(u, "status", "evictionPods")
	nm.PodCountsKnown = nm.PodCountsKnown || reported && !strings.HasPrefix(gv, "kubevirt.io/")
	nm.ErrorOnLeaseCount, _ = nestedNumber(u, "status", "errorOnLeaseCount")
	nm.PendingPods = pendingPods(u)
	if !nm.DrainKnown {
		nm.DrainProgress, nm.DrainKnown = derivedProgress(nm)
	}
	nm.LastError, _, _ = unstructured.NestedString(u.Object, "status", "lastError")
	if s, ok, _ := unstructured.NestedString(u.Object, "status", "lastUpdate"); ok && s != "" {
		var t metav1.Time
		if err := t.UnmarshalQueryParameter(s); err == nil {
			nm.LastUpdate = t.Time
		}
	}
	return nm
}

// pendingPods reads status.pendingPods as "namespace/name": later operators list names, while
// kubevirt.io/v1alpha1 listed the Pod objects themselves.
func pendingPods(u *unstructured.Unstructured) []string {
	if names, ok, err := unstructured.NestedStringSlice(u.Object, "status", "pendingPods"); ok && err == nil {
		return names
	}
	items, _, _ := unstructured.NestedSlice(u.Object, "status", "pendingPods")
	var names []string
	for _, it := range items {
		pod, ok := it.(map[string]interface{})
		if !ok {
			continue
		}
		ns, _, _ := unstructured.NestedString(pod, "metadata", "namespace")
		name, _, _ := unstructured.NestedString(pod, "metadata", "name")
		if name != "" {
			names = append(names, ns+"/"+name)
		}
	}
	return names
}

// derivedProgress is the progress of an object whose operator did not report it: a drain that
// succeeded evicted everything; otherwise the share of evictionPods no longer pending.
func derivedProgress(nm NodeMaintenance) (int64, bool) {
	switch {
	case nm.Phase == PhaseSucceeded:
		return 100, true
	case nm.PodCountsKnown && nm.EvictionPods > 0:
		left := min(int64(len(nm.PendingPods)), nm.EvictionPods)
		return (nm.EvictionPods - left) * 100 / nm.EvictionPods, true
	}
	return 0, false
}

// nestedNumber accepts the int64 and float64 forms JSON decoding may produce; ok is false when
// the field is absent.
func nestedNumber(u *unstructured.Unstructured, fields ...string) (int64, bool) {
	v, ok, _ := unstructured.NestedFieldNoCopy(u.Object, fields...)
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// NewObject builds the NodeMaintenance to create.
func NewObject(api API, name, nodeName, reason string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": api.APIVersion(),
		"kind":       api.Kind,
		"metadata":   map[string]interface{}{"name": name},
		"spec":       map[string]interface{}{"nodeName": nodeName},
	}}
	if reason != "" {
		_ = unstructured.SetNestedField(u.Object, reason, "spec", "reason")
	}
	return u
}

// DefaultName is the object name used for a node when the user does not choose one.
func DefaultName(nodeName string) string { return nodeName + "-maintenance" }

// PercentText is a drain's progress as tables show it: "-" when nothing reports it, so an
// object without status never reads as a drain stuck at 0%. TimeoutError and the list and
// progress of pkg/printers share it, so that they agree.
func PercentText(progress int64, known bool) string {
	if !known {
		return "-"
	}
	return fmt.Sprintf("%d%%", progress)
}
