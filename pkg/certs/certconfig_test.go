package certs

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
		map[schema.GroupVersionResource]string{gvrHCO: "HyperConvergedList", gvrAPIService: "APIServiceList", gvrRoute: "RouteList"}, hco)
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

// The router trusts cdi-uploadproxy through the Route's destinationCACertificate: a serving
// certificate the Route does not trust is UNTRUSTED even though its ConfigMap bundle is right.
func TestRouteDestinationCAIsATrustBundle(t *testing.T) {
	now := time.Now()
	signer := mkCert(t, "cnv_cdi-uploadproxy-signer@1", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	stale := mkCert(t, "cnv_cdi-uploadproxy-signer@0", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	leaf := mkCert(t, "cdi-uploadproxy", false, signer, now.Add(-time.Hour), now.Add(24*time.Hour))
	rt := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "route.openshift.io/v1", "kind": "Route",
		"metadata": map[string]any{"name": "cdi-uploadproxy", "namespace": "cnv"},
		"spec":     map[string]any{"tls": map[string]any{"termination": "reencrypt", "destinationCACertificate": string(stale.certPEM)}},
	}}
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{gvrHCO: "HyperConvergedList", gvrAPIService: "APIServiceList", gvrRoute: "RouteList"}, rt)
	kube := fake.NewSimpleClientset(
		tlsSecret("cnv", "cdi-uploadproxy-server-cert", leaf.certPEM, leaf.keyPEM),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "cdi-uploadproxy-signer-bundle"}, Data: map[string]string{"ca-bundle.crt": string(signer.certPEM)}})
	rep, err := (&Scanner{Client: kube, Dynamic: dyn}).Scan(context.Background(), []string{"cnv"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Certificates {
		switch c.Object() {
		case "secret/cdi-uploadproxy-server-cert":
			if c.Status != StatusUntrusted || !strings.Contains(c.Reason, "route/cdi-uploadproxy") {
				t.Errorf("serving certificate: %s (%s)", c.Status, c.Reason)
			}
		case "route/cdi-uploadproxy":
			found = c.Component == CompCDI && c.Role == RoleBundle
		}
	}
	if !found {
		t.Error("the Route's destination CA is not listed as a CDI bundle")
	}
}
