package certs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

func cdiEstate(t *testing.T, replicas int32) *fake.Clientset {
	now := time.Now()
	signer := mkCert(t, "cnv_cdi-apiserver-signer@1", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	target := mkCert(t, "cdi-api", false, signer, now.Add(-time.Hour), now.Add(24*time.Hour))
	sel := map[string]string{"name": "cdi-operator"}
	return fake.NewSimpleClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "cdi-operator"},
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: sel}}},
		tlsSecret("cnv", "cdi-apiserver-signer", signer.certPEM, signer.keyPEM),
		tlsSecret("cnv", "cdi-apiserver-server-cert", target.certPEM, target.keyPEM),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "cdi-api-signing-key"}, Data: map[string][]byte{"id_rsa": signer.keyPEM}},
	)
}

func TestPlanNeverTouchesSigningKeyAndSkipsAbsentComponents(t *testing.T) {
	c := cdiEstate(t, 3)
	r := &Rotator{Client: c}
	for _, strategy := range []string{StrategyReissue, StrategyRecreate} {
		p, err := r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Strategy: strategy})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Components) != 1 || p.Components[0].Name != CompCDI {
			t.Fatalf("%s: planned %+v", strategy, p.Components)
		}
		for _, s := range p.Components[0].Steps {
			if s.Name == "cdi-api-signing-key" {
				t.Errorf("%s: step touches the signing key: %s", strategy, s)
			}
		}
		if len(p.Skipped) != 4 {
			t.Errorf("%s: skipped %v, want kubevirt, kubemacpool, ssp, olm", strategy, p.Skipped)
		}
		if strategy == StrategyRecreate && (p.Components[0].Steps[0].Action != ActScaleDown || p.Components[0].Steps[0].Replicas != 3) {
			t.Errorf("recreate does not start by recording 3 replicas: %s", p.Components[0].Steps[0])
		}
	}
}

// A namespace where no selected component is installed is most likely the wrong one; one where
// some are absent is not.
func TestPlanNothingInstalled(t *testing.T) {
	r := &Rotator{Client: cdiEstate(t, 1)}
	for _, tc := range []struct {
		ns         string
		components []string
		want       bool
	}{
		{"cnv", nil, false},
		{"cnv", []string{CompCDI}, false},
		{"cnv", []string{"kubevirt"}, true},
		{"default", nil, true},
	} {
		p, err := r.Plan(context.Background(), RotateOptions{Namespace: tc.ns, Components: tc.components})
		if err != nil {
			t.Fatal(err)
		}
		if p.NothingInstalled() != tc.want {
			t.Errorf("%s %v: NothingInstalled() = %v, want %v (skipped %v)", tc.ns, tc.components, !tc.want, tc.want, p.Skipped)
		}
	}
}

func TestNamespaceChecks(t *testing.T) {
	for _, bad := range []string{"Bad_NS", "-x", "x-", "a.b", strings.Repeat("a", 64), "UPPER"} {
		if err := ValidateNamespaceName("-n", bad); err == nil || !strings.Contains(err.Error(), "invalid -n") || !strings.Contains(err.Error(), "openshift-cnv") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	for _, good := range []string{"openshift-cnv", "kubevirt-hyperconverged", "a", "cdi1"} {
		if err := ValidateNamespaceName("-n", good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	c := fake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cnv"}})
	ctx := context.Background()
	if err := CheckNamespacesExist(ctx, c, "cnv", ""); err != nil {
		t.Errorf("existing: %v", err)
	}
	var nf *NamespaceNotFoundError
	if err := CheckNamespacesExist(ctx, c, "cnv", "cdi"); !errors.As(err, &nf) || nf.Namespace != "cdi" ||
		!strings.Contains(err.Error(), `namespace "cdi" not found`) || !strings.Contains(err.Error(), "kubevirt-hyperconverged") {
		t.Errorf("missing: %v", err)
	}
	// Not allowed to read Namespaces: the requests that follow report what is forbidden.
	c.PrependReactor("get", "namespaces", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("namespaces"), "cdi", errors.New("no"))
	})
	if err := CheckNamespacesExist(ctx, c, "cdi"); err != nil {
		t.Errorf("forbidden: %v", err)
	}
}

func TestRecreateRestoresReplicasWhenInterrupted(t *testing.T) {
	c := cdiEstate(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	r := &Rotator{Client: c, Poll: 10 * time.Millisecond}
	p, err := r.Plan(ctx, RotateOptions{Namespace: "cnv", Components: []string{CompCDI}, Strategy: StrategyRecreate})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing re-issues the deleted Secrets here, so the rotation waits until it is interrupted;
	// the interrupt comes while the operator is scaled down.
	c.PrependReactor("delete", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d, _ := c.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("deployments"), "cnv", "cdi-operator")
		if dep := d.(*appsv1.Deployment); *dep.Spec.Replicas != 0 || dep.Annotations[ReplicasAnnotation] != "3" {
			t.Errorf("secrets deleted while cdi-operator has %d replicas, annotation %q", *dep.Spec.Replicas, dep.Annotations[ReplicasAnnotation])
		}
		cancel()
		return false, nil, nil
	})
	_, err = r.Execute(ctx, p, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want cancellation", err)
	}
	d, _ := c.AppsV1().Deployments("cnv").Get(context.Background(), "cdi-operator", metav1.GetOptions{})
	if *d.Spec.Replicas != 3 {
		t.Errorf("cdi-operator left at %d replicas", *d.Spec.Replicas)
	}
	if _, ok := d.Annotations[ReplicasAnnotation]; ok {
		t.Error("replicas annotation left behind")
	}
}

func TestReRunRestoresReplicasLeftByACrash(t *testing.T) {
	c := cdiEstate(t, 0)
	d, _ := c.AppsV1().Deployments("cnv").Get(context.Background(), "cdi-operator", metav1.GetOptions{})
	d.Annotations = map[string]string{ReplicasAnnotation: "3"}
	_, _ = c.AppsV1().Deployments("cnv").Update(context.Background(), d, metav1.UpdateOptions{})
	r := &Rotator{Client: c}
	p, err := r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Strategy: StrategyRecreate})
	if err != nil {
		t.Fatal(err)
	}
	steps := p.Components[0].Steps
	if steps[0].Action != ActRestoreReplicas || steps[0].Replicas != 3 || steps[1].Action != ActScaleDown || steps[1].Replicas != 3 {
		t.Fatalf("steps %v", steps)
	}
}

func TestCheckPermissionsListsDenied(t *testing.T) {
	c := cdiEstate(t, 1)
	c.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		rev := a.(k8stesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		rev.Status.Allowed = rev.Spec.ResourceAttributes.Verb != "patch"
		return true, rev, nil
	})
	r := &Rotator{Client: c}
	p, _ := r.Plan(context.Background(), RotateOptions{Namespace: "cnv"})
	err := r.CheckPermissions(context.Background(), p)
	var pe *PermissionError
	if !errors.As(err, &pe) || len(pe.Missing) != 2 {
		t.Fatalf("err = %v", err)
	}
}

// kubemacpool's owner is made to rotate by deleting its CA Secret only, whichever of its
// certificates is asked for: the webhook keeps its caBundle (and with it the old CA), so what
// the pods serve stays trusted until they reload.
func TestPlanKubemacpoolDeletesOnlyItsCASecret(t *testing.T) {
	now := time.Now()
	ca := mkCert(t, "kubemacpool-mutator", true, nil, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	svc := mkCert(t, "kubemacpool-service.cnv", false, ca, now.Add(-time.Hour), now.Add(180*24*time.Hour))
	sel := map[string]string{"control-plane": "cert-manager"}
	c := fake.NewSimpleClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "kubemacpool-cert-manager"},
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: sel}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "kubemacpool-mutator-ca"}, Data: map[string][]byte{"ca.crt": ca.certPEM, "ca.key": ca.keyPEM}},
		tlsSecret("cnv", "kubemacpool-service", svc.certPEM, svc.keyPEM),
	)
	r := &Rotator{Client: c}
	for _, secrets := range [][]string{nil, {"kubemacpool-service"}} {
		p, err := r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Components: []string{CompKubeMacPool}, Secrets: secrets})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Components) != 1 {
			t.Fatalf("%v: planned %+v", secrets, p.Components)
		}
		var steps []string
		for _, s := range p.Components[0].Steps {
			steps = append(steps, s.String())
		}
		want := "delete secret/kubemacpool-mutator-ca (its owner re-creates it)"
		if len(steps) != 1 || steps[0] != want {
			t.Errorf("%v: steps %q, want only %q", secrets, steps, want)
		}
		if n := len(p.Components[0].Targets); n != 2 {
			t.Errorf("%v: %d targets, want the CA and the service certificate", secrets, n)
		}
	}
}

// cdi-operator signs a target with a new signer at once but puts the signer into its webhooks
// on a later reconcile: the plan expires the signers first and each target only once the
// bundles that trust it hold its new signer.
func TestPlanCDIExpiresTargetsAfterTheirSigners(t *testing.T) {
	r := &Rotator{Client: cdiEstate(t, 1)}
	p, err := r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Strategy: StrategyReissue})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range p.Components[0].Steps {
		if s.Action == ActExpireNotAfter {
			got[s.Name] = s.String()
		}
	}
	want := map[string]string{
		"cdi-apiserver-signer":      "set auth.openshift.io/certificate-not-after to the past on secret/cdi-apiserver-signer",
		"cdi-apiserver-server-cert": "set auth.openshift.io/certificate-not-after to the past on secret/cdi-apiserver-server-cert (once the bundles that trust it hold the new signer)",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("step for secret/%s:\n got %q\nwant %q", name, got[name], w)
		}
	}
}
