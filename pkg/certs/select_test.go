package certs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func kubevirtEstate(t *testing.T) *fake.Clientset {
	now := time.Now()
	ca := mkCert(t, "kubevirt.io@1", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	api := mkCert(t, "virt-api", false, ca, now.Add(-time.Hour), now.Add(24*time.Hour))
	handler := mkCert(t, "virt-handler", false, ca, now.Add(-time.Hour), now.Add(24*time.Hour))
	return fake.NewSimpleClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "virt-operator"}},
		tlsSecret("cnv", "kubevirt-ca", ca.certPEM, ca.keyPEM),
		tlsSecret("cnv", "kubevirt-virt-api-certs", api.certPEM, api.keyPEM),
		tlsSecret("cnv", "kubevirt-virt-handler-certs", handler.certPEM, handler.keyPEM),
		tlsSecret("cnv", "someone-elses-cert", handler.certPEM, handler.keyPEM),
	)
}

func targetNames(cp ComponentPlan) []string {
	var out []string
	for _, t := range cp.Targets {
		out = append(out, t.Secret)
	}
	return out
}

// secret/NAME narrows the plan to that Secret; a CA brings the leaves its owner re-issues with
// it, and the plan says so.
func TestPlanSelectedSecrets(t *testing.T) {
	r := &Rotator{Client: kubevirtEstate(t)}
	p, err := r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Secrets: []string{"kubevirt-virt-api-certs"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Components) != 1 || !slices.Equal(targetNames(p.Components[0]), []string{"kubevirt-virt-api-certs"}) {
		t.Fatalf("leaf: planned %+v", p.Components)
	}
	for _, s := range p.Components[0].Steps {
		if s.Kind == KindSecret && s.Name != "kubevirt-virt-api-certs" {
			t.Errorf("leaf: step on another Secret: %s", s)
		}
	}
	if len(p.Skipped) != 0 {
		t.Errorf("components not asked for are reported as skipped: %v", p.Skipped)
	}

	p, err = r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Secrets: []string{"kubevirt-ca"}})
	if err != nil {
		t.Fatal(err)
	}
	cp := p.Components[0]
	if !slices.Equal(targetNames(cp), []string{"kubevirt-ca", "kubevirt-virt-api-certs", "kubevirt-virt-handler-certs"}) ||
		!slices.Equal(cp.AlsoReissued, []string{"kubevirt-virt-api-certs", "kubevirt-virt-handler-certs"}) {
		t.Errorf("CA: targets %v, also %v", targetNames(cp), cp.AlsoReissued)
	}
	// pkg/printers' TestRenderRotationPlanSelectedSecrets says so in the plan.
	if cp.ShortOwner() != "virt-operator" {
		t.Errorf("CA: re-issued by %q, want virt-operator", cp.ShortOwner())
	}
}

func TestPlanRefusesSecretsNoOwnerReissues(t *testing.T) {
	c := kubevirtEstate(t)
	if err := c.Tracker().Add(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "cdi-api-signing-key"}}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"someone-elses-cert":  "secret/someone-elses-cert in namespace cnv: no virtualization component owns it",
		"no-such-secret":      "secret/no-such-secret in namespace cnv: not found;",
		"kubevirt-backup-ca":  "secret/kubevirt-backup-ca in namespace cnv: not found: virt-operator has not created it",
		"cdi-api-signing-key": "secret/cdi-api-signing-key in namespace cnv: cdi's Secret that a rotation never touches",
	} {
		_, err := (&Rotator{Client: c}).Plan(context.Background(), RotateOptions{Namespace: "cnv", Secrets: []string{name}})
		var se *SecretError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}
