package certs

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
)

func TestReadCertConfigFromHyperConverged(t *testing.T) {
	hco := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "hco.kubevirt.io/v1beta1", "kind": "HyperConverged",
		"metadata": map[string]any{"name": "kubevirt-hyperconverged", "namespace": "openshift-cnv"},
		"spec": map[string]any{"certConfig": map[string]any{
			"ca":     map[string]any{"duration": "48h0m0s", "renewBefore": "24h0m0s"},
			"server": map[string]any{"duration": "24h0m0s", "renewBefore": "12h0m0s"},
		}},
	}}
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{gvrHCO: "HyperConvergedList", gvrAPIService: "APIServiceList"}, hco)
	s := &Scanner{Client: fake.NewSimpleClientset(), Dynamic: dyn}
	rep, err := s.Scan(context.Background(), []string{"openshift-cnv"})
	if err != nil {
		t.Fatal(err)
	}
	cc := rep.CertConfig
	if cc == nil || cc.CADuration != "48h0m0s" || cc.ServerRenewBefore != "12h0m0s" || cc.HyperConvergedName != "kubevirt-hyperconverged" {
		t.Fatalf("certConfig %+v", cc)
	}
}

func TestDetectNamespaceFallsBackToUpstreamLayout(t *testing.T) {
	c := fake.NewSimpleClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "kubevirt-hyperconverged", Name: "virt-operator"}})
	if ns := DetectNamespace(context.Background(), c); ns != "kubevirt-hyperconverged" {
		t.Errorf("got %s", ns)
	}
	if ns := DetectNamespace(context.Background(), fake.NewSimpleClientset()); ns != "openshift-cnv" {
		t.Errorf("got %s on an empty cluster", ns)
	}
}
