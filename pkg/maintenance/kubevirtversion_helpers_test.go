package maintenance

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/oc-cnv/oc-cnv/pkg/kubevirtversion"
)

// kubeVirtCRDynamic is a dynamic client serving one KubeVirt CR in ns whose status reports
// observed (none when empty), as virt-operator does.
func kubeVirtCRDynamic(ns, observed string) *dynamicfake.FakeDynamicClient {
	cr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubevirt.io/v1", "kind": "KubeVirt",
		"metadata": map[string]any{"namespace": ns, "name": "kubevirt-kubevirt-hyperconverged"},
	}}
	if observed != "" {
		_ = unstructured.SetNestedField(cr.Object, observed, "status", "observedKubeVirtVersion")
	}
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{kubevirtversion.GVR: "KubeVirtList"}, cr)
}
