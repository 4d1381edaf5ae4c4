package certs

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// virt-operator signs every Secret but its CAs with kubevirt-ca, the export proxy's included
// (kubevirt v1.6.0 apply/core.go createOrUpdateCertificateSecrets); a later release's Secret
// carrying virt-operator's managed-by label is KubeVirt's and checked against kubevirt-ca too.
func TestKubeVirtSecretsTrustKubeVirtCA(t *testing.T) {
	now := time.Now()
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	exportCA := mkCert(t, "export.kubevirt.io", true, nil, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	rogue := mkCert(t, "rogue", true, nil, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	proxy := mkCert(t, "virt-exportproxy", false, ca, now.Add(-time.Hour), now.Add(200*24*time.Hour))
	sync := mkCert(t, "virt-synchronization-controller", false, ca, now.Add(-time.Hour), now.Add(200*24*time.Hour))
	future := mkCert(t, "virt-future", false, rogue, now.Add(-time.Hour), now.Add(200*24*time.Hour))
	managed := func(s *corev1.Secret) *corev1.Secret {
		s.Labels = map[string]string{"app.kubernetes.io/managed-by": "virt-operator"}
		return s
	}
	objs := []runtime.Object{
		tlsSecret(ns, "kubevirt-ca", ca.certPEM, ca.keyPEM),
		tlsSecret(ns, "kubevirt-export-ca", exportCA.certPEM, exportCA.keyPEM),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-ca"}, Data: map[string]string{"ca-bundle": string(ca.certPEM)}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-export-ca"}, Data: map[string]string{"ca-bundle": string(exportCA.certPEM)}},
		managed(tlsSecret(ns, "kubevirt-exportproxy-certs", proxy.certPEM, proxy.keyPEM)),
		managed(tlsSecret(ns, "kubevirt-synchronization-controller-server-certs", sync.certPEM, sync.keyPEM)),
		managed(tlsSecret(ns, "kubevirt-some-future-certs", future.certPEM, future.keyPEM)),
	}
	s := &Scanner{Client: fake.NewSimpleClientset(objs...), WarnWithin: 30 * 24 * time.Hour}
	rep, err := s.Scan(context.Background(), []string{ns})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{
		"kubevirt-exportproxy-certs":                       StatusOK,
		"kubevirt-synchronization-controller-server-certs": StatusOK,
		"kubevirt-some-future-certs":                       StatusUntrusted,
	}
	for _, c := range rep.Certificates {
		w, ok := want[c.Name]
		if !ok || c.Kind != KindSecret {
			continue
		}
		delete(want, c.Name)
		if c.Component != CompKubeVirt || c.Status != w {
			t.Errorf("secret/%s: %s %s (%s), want kubevirt %s", c.Name, c.Component, c.Status, c.Reason, w)
		}
	}
	for n := range want {
		t.Errorf("secret/%s not listed", n)
	}
}

func sspEstate(t *testing.T, operatorVersion string) *fake.Clientset {
	now := time.Now()
	ca := mkCert(t, "openshift-service-serving-signer", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	leaf := mkCert(t, "virt-template-validator", false, ca, now.Add(-time.Hour), now.Add(24*time.Hour))
	dep := func(name string, env []corev1.EnvVar) *appsv1.Deployment {
		sel := map[string]string{"name": name}
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: name}, Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(1)), Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry/x@sha256:0", Env: env}}}}}}
	}
	var env []corev1.EnvVar
	if operatorVersion != "" {
		env = []corev1.EnvVar{{Name: "OPERATOR_VERSION", Value: operatorVersion}}
	}
	return fake.NewSimpleClientset(dep("ssp-operator", env), dep("virt-template-validator", nil),
		tlsSecret("cnv", "virt-template-validator-certs", leaf.certPEM, leaf.keyPEM))
}

// virt-template-validator reloads its certificate files since ssp-operator v0.22.0; older and
// unknown versions are restarted.
func TestPlanRestartsTemplateValidatorOnlyBeforeSSP022(t *testing.T) {
	for _, tc := range []struct {
		version string
		restart bool
	}{{"v0.21.3", true}, {"", true}, {"v0.22.0", false}, {"0.23.1", false}} {
		r := &Rotator{Client: sspEstate(t, tc.version)}
		p, err := r.Plan(context.Background(), RotateOptions{Namespace: "cnv", Components: []string{CompSSP}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Components) != 1 {
			t.Fatalf("version %q: plan %+v", tc.version, p)
		}
		cp := p.Components[0]
		restart := false
		for _, s := range cp.Steps {
			if s.Action == ActRestart && s.Name == "virt-template-validator" {
				restart = true
			}
		}
		if restart != tc.restart {
			t.Errorf("ssp-operator %q: restart of virt-template-validator %v, want %v (steps %v)", tc.version, restart, tc.restart, cp.Steps)
		}
		// The restart is the one gap the plan announces; a validator that reloads has none.
		if announced := len(cp.Gaps) == 1 && strings.Contains(cp.Gaps[0], "deployment/virt-template-validator"); announced != tc.restart || len(cp.Gaps) > 1 {
			t.Errorf("ssp-operator %q: gaps %q, want one for the restart: %v", tc.version, cp.Gaps, tc.restart)
		}
		if tc.version != "" && cp.Version != tc.version {
			t.Errorf("version %q detected as %q", tc.version, cp.Version)
		}
	}
}

// kube-admission-webhook watches its CA Secret: deleting it is enough, kubemacpool-cert-manager
// is not restarted.
func TestPlanKubeMacPoolRotatesWithoutRestart(t *testing.T) {
	now := time.Now()
	ca := mkCert(t, "kubemacpool-mutator", true, nil, now.Add(-time.Hour), now.Add(48*time.Hour))
	leaf := mkCert(t, "kubemacpool-service", false, ca, now.Add(-time.Hour), now.Add(24*time.Hour))
	sel := map[string]string{"app": "kubemacpool"}
	dep := func(name string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: name}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(1)), Selector: &metav1.LabelSelector{MatchLabels: sel}}}
	}
	c := fake.NewSimpleClientset(dep("kubemacpool-cert-manager"), dep("kubemacpool-mac-controller-manager"),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cnv", Name: "kubemacpool-mutator-ca"}, Data: map[string][]byte{"ca.crt": ca.certPEM, "ca.key": ca.keyPEM}},
		tlsSecret("cnv", "kubemacpool-service", leaf.certPEM, leaf.keyPEM))
	p, err := (&Rotator{Client: c}).Plan(context.Background(), RotateOptions{Namespace: "cnv", Components: []string{CompKubeMacPool}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Components[0].Steps {
		if s.Action == ActRestart {
			t.Errorf("plan restarts %s/%s: %s", strings.ToLower(s.Kind), s.Name, s)
		}
	}
}
