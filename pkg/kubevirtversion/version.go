// Package kubevirtversion tells which KubeVirt version a cluster runs, for the commands whose
// advice or behaviour depends on it (maintenance, certs, version). It is the one reader of
// that fact, and free of cobra so that the cobra-free packages can use it.
package kubevirtversion

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/dynamic"
)

// GVR is the KubeVirt CR's resource.
var GVR = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "kubevirts"}

// Unknown is how a version that could not be told is shown.
const Unknown = "unknown"

// Version is a KubeVirt version as virt-operator reports it, or unknown. The zero value is
// unknown.
type Version struct {
	raw    string
	parsed *utilversion.Version
}

// Parse reads a version such as "v1.6.0". An empty or unparsable one is unknown for
// comparisons; String still shows what was reported.
func Parse(s string) Version {
	v := Version{raw: s}
	if s != "" {
		v.parsed, _ = utilversion.ParseGeneric(s)
	}
	return v
}

// Known tells whether the version was reported and could be read.
func (v Version) Known() bool { return v.parsed != nil }

// String is the version as reported, or Unknown.
func (v Version) String() string {
	if v.raw == "" {
		return Unknown
	}
	return v.raw
}

// AtLeast reports whether the version is known and not older than min.
func (v Version) AtLeast(min string) bool {
	return v.parsed != nil && v.parsed.AtLeast(utilversion.MustParseGeneric(min))
}

// Has reports whether a behaviour KubeVirt introduced in release since applies: the version is
// since or newer, or unknown. An unknown version is taken to be the newest, so the advice fits
// the releases users install today.
func (v Version) Has(since string) bool {
	return v.parsed == nil || v.AtLeast(since)
}

// Read returns the version deployed: status.observedKubeVirtVersion of the first KubeVirt CR
// in ns (every namespace when ns is "") that reports one. virt-operator sets it once a
// version is fully deployed (pkg/virt-operator/util/config.go SetObservedDeploymentConfig);
// the images are pinned by digest and the operands' version labels carry the product's
// version, not KubeVirt's. It is unknown when no CR reports one, when KubeVirt is not
// installed and when the CRs cannot be read: callers word their advice for the version they
// get and never fail for it.
func Read(ctx context.Context, c dynamic.Interface, ns string) Version {
	if c == nil {
		return Version{}
	}
	list, err := c.Resource(GVR).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return Version{}
	}
	for _, it := range list.Items {
		if s, _, _ := unstructured.NestedString(it.Object, "status", "observedKubeVirtVersion"); s != "" {
			return Parse(s)
		}
	}
	return Version{}
}
