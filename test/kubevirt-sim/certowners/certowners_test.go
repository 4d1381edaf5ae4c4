package certowners

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func newEstate(t *testing.T, ann map[string]string) (*reconciler, *Options, context.Context) {
	t.Helper()
	ctx := context.Background()
	c := fake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cnv", Annotations: ann}})
	return &reconciler{c: c, is: issuer{}, ensured: map[string]bool{}}, &Options{Namespace: "cnv", Components: "all"}, ctx
}

func secretCert(t *testing.T, r *reconciler, name, key string) string {
	t.Helper()
	s, err := r.c.CoreV1().Secrets("cnv").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("secret %s: %v", name, err)
	}
	certs, err := parseCerts(s.Data[key])
	if err != nil {
		t.Fatalf("secret %s: %v", name, err)
	}
	return certs[0].SerialNumber.String()
}

func TestEstateIsStableAndReissuesOnOwnersTriggers(t *testing.T) {
	r, o, ctx := newEstate(t, nil)
	r.tick(ctx, o)
	names := map[string]string{
		"kubevirt-ca": "tls.crt", "kubevirt-virt-api-certs": "tls.crt", sspCertSecret: "tls.crt",
	}
	before := map[string]string{}
	for n, k := range names {
		before[n] = secretCert(t, r, n, k)
	}
	r.tick(ctx, o)
	for n, k := range names {
		if got := secretCert(t, r, n, k); got != before[n] {
			t.Errorf("%s re-issued without a trigger", n)
		}
	}

	// virt-operator: a changed kubevirt.io/duration re-issues that Secret.
	s, _ := r.c.CoreV1().Secrets("cnv").Get(ctx, "kubevirt-virt-api-certs", metav1.GetOptions{})
	s.Annotations[kvDurationAnn] = "1h0m0s"
	_, _ = r.c.CoreV1().Secrets("cnv").Update(ctx, s, metav1.UpdateOptions{})
	// service-ca: a deleted serving Secret comes back.
	_ = r.c.CoreV1().Secrets("cnv").Delete(ctx, sspCertSecret, metav1.DeleteOptions{})
	r.tick(ctx, o)
	for _, n := range []string{"kubevirt-virt-api-certs", sspCertSecret} {
		if secretCert(t, r, n, names[n]) == before[n] {
			t.Errorf("%s was not re-issued", n)
		}
	}
	if secretCert(t, r, "kubevirt-ca", "tls.crt") != before["kubevirt-ca"] {
		t.Errorf("kubevirt-ca re-issued though only a leaf was touched")
	}
}

func TestOperatorScaledToZeroIssuesNothing(t *testing.T) {
	r, o, ctx := newEstate(t, nil)
	r.tick(ctx, o)
	d, _ := r.c.AppsV1().Deployments("cnv").Get(ctx, "virt-operator", metav1.GetOptions{})
	d.Spec.Replicas = ptr.To[int32](0)
	_, _ = r.c.AppsV1().Deployments("cnv").Update(ctx, d, metav1.UpdateOptions{})
	_ = r.c.CoreV1().Secrets("cnv").Delete(ctx, "kubevirt-virt-api-certs", metav1.DeleteOptions{})
	r.tick(ctx, o)
	if _, err := r.c.CoreV1().Secrets("cnv").Get(ctx, "kubevirt-virt-api-certs", metav1.GetOptions{}); err == nil {
		t.Fatal("a scaled-down virt-operator re-issued a Secret")
	}
	d.Spec.Replicas = ptr.To[int32](3)
	_, _ = r.c.AppsV1().Deployments("cnv").Update(ctx, d, metav1.UpdateOptions{})
	r.tick(ctx, o)
	secretCert(t, r, "kubevirt-virt-api-certs", "tls.crt")
}

func TestFailAnnotationStopsOwner(t *testing.T) {
	r, o, ctx := newEstate(t, map[string]string{AnnFail: "kubevirt"})
	r.tick(ctx, o)
	if _, err := r.c.CoreV1().Secrets("cnv").Get(ctx, "kubevirt-ca", metav1.GetOptions{}); err == nil {
		t.Fatal("a failing kubevirt owner issued a CA")
	}
	secretCert(t, r, sspCertSecret, "tls.crt")
}
