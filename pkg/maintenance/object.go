package maintenance

import (
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

	Phase             string
	DrainProgress     int64
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
	nm.DrainProgress = nestedNumber(u, "status", "drainProgress")
	nm.TotalPods = nestedNumber(u, "status", "totalpods")
	nm.EvictionPods = nestedNumber(u, "status", "evictionPods")
	nm.ErrorOnLeaseCount = nestedNumber(u, "status", "errorOnLeaseCount")
	nm.PendingPods, _, _ = unstructured.NestedStringSlice(u.Object, "status", "pendingPods")
	nm.LastError, _, _ = unstructured.NestedString(u.Object, "status", "lastError")
	if s, ok, _ := unstructured.NestedString(u.Object, "status", "lastUpdate"); ok && s != "" {
		var t metav1.Time
		if err := t.UnmarshalQueryParameter(s); err == nil {
			nm.LastUpdate = t.Time
		}
	}
	return nm
}

// nestedNumber accepts the int64 and float64 forms JSON decoding may produce.
func nestedNumber(u *unstructured.Unstructured, fields ...string) int64 {
	v, ok, _ := unstructured.NestedFieldNoCopy(u.Object, fields...)
	if !ok {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
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
