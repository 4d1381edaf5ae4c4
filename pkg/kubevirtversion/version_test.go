package kubevirtversion

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
)

func kubeVirtCR(ns, name, observed string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubevirt.io/v1", "kind": "KubeVirt",
		"metadata": map[string]any{"namespace": ns, "name": name},
	}}
	if observed != "" {
		_ = unstructured.SetNestedField(u.Object, observed, "status", "observedKubeVirtVersion")
	}
	return u
}

func fakeClient(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{GVR: "KubeVirtList"}, objs...)
}

func TestRead(t *testing.T) {
	ctx := context.Background()
	c := fakeClient(kubeVirtCR("openshift-cnv", "kubevirt-kubevirt-hyperconverged", "v1.6.0"), kubeVirtCR("other", "kv", ""))
	if v := Read(ctx, c, ""); v.String() != "v1.6.0" || !v.Known() {
		t.Errorf("all namespaces: %q known=%t", v, v.Known())
	}
	if v := Read(ctx, c, "other"); v.String() != Unknown || v.Known() {
		t.Errorf("a CR that reports no version: %q known=%t", v, v.Known())
	}
	if v := Read(ctx, fakeClient(), ""); v.Known() {
		t.Errorf("no CR: %q", v)
	}
	if v := Read(ctx, nil, ""); v.Known() {
		t.Errorf("no client: %q", v)
	}
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		v            string
		since        string
		atLeast, has bool
	}{
		{"v1.6.0", "v1.5.0", true, true},
		{"v1.4.2", "v1.5.0", false, false},
		{"v1.9.0-rc.1", "v1.9.0", true, true},
		{"v1.10.0", "v1.9.0", true, true},
		{"", "v1.5.0", false, true},      // unknown: the newest behaviour
		{"devel", "v1.5.0", false, true}, // unparsable: unknown
	} {
		v := Parse(c.v)
		if v.AtLeast(c.since) != c.atLeast || v.Has(c.since) != c.has {
			t.Errorf("%q since %s: AtLeast %t Has %t, want %t %t", c.v, c.since, v.AtLeast(c.since), v.Has(c.since), c.atLeast, c.has)
		}
	}
	if Parse("devel").String() != "devel" || Parse("").String() != "unknown" {
		t.Errorf("String keeps what was reported: %q %q", Parse("devel"), Parse(""))
	}
}
