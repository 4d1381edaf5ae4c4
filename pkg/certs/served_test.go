package certs

import (
	"context"
	cryptotls "crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// pipeDialer serves each pod's port with a real TLS server over an in-memory pipe.
type pipeDialer struct {
	serve map[string]*testPair // "pod/port" -> what it presents
	dials []string
}

func (d *pipeDialer) DialPod(_ context.Context, ns, pod string, port int32) (net.Conn, error) {
	key := pod + "/" + itoa(port)
	d.dials = append(d.dials, ns+"/"+key)
	p, ok := d.serve[key]
	if !ok {
		return nil, errors.New("no forward found for port " + itoa(port))
	}
	client, server := net.Pipe()
	cert, err := cryptotls.X509KeyPair(p.certPEM, p.keyPEM)
	if err != nil {
		return nil, err
	}
	go func() {
		s := cryptotls.Server(server, &cryptotls.Config{Certificates: []cryptotls.Certificate{cert}})
		_ = s.Handshake()
		_ = s.Close()
	}()
	return client, nil
}

func itoa(p int32) string { return strconv.Itoa(int(p)) }

func servedPod(ns, name, app string, created time.Time, ports ...corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"kubevirt.io": app, "pod-template-hash": "abc12"},
			CreationTimestamp: metav1.NewTime(created),
			OwnerReferences:   []metav1.OwnerReference{{Kind: "ReplicaSet", Name: app + "-abc12", Controller: ptr.To(true)}}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: app, Ports: ports}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}

func servedService(ns, name, app string, target intstr.IntOrString) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"kubevirt.io": app}, Ports: []corev1.ServicePort{{Port: 443, TargetPort: target}}}}
}

func allowPortForward(allowed bool) func(k8stesting.Action) (bool, runtime.Object, error) {
	return func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		ok := r.Spec.ResourceAttributes.Subresource == "portforward" && allowed
		return true, &authv1.SelfSubjectAccessReview{Status: authv1.SubjectAccessReviewStatus{Allowed: ok}}, nil
	}
}

func TestServedFindsStaleAndUntrustedPods(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	rogue := mkCert(t, "rogue", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	// mkCert gives each certificate the DNS name <cn>.svc; the served name is <svc>.<ns>.svc.
	apiOld := mkCert(t, "virt-api.cnv", false, ca, now.Add(-48*time.Hour), now.Add(200*24*time.Hour))
	apiNew := mkCert(t, "virt-api.cnv", false, ca, now.Add(-time.Hour), now.Add(300*24*time.Hour))
	// The operator's Secret and pod agree, but on a certificate the clients' bundle does not
	// trust: not stale, untrusted.
	opServed := mkCert(t, "kubevirt-operator-webhook.cnv", false, rogue, now.Add(-time.Hour), now.Add(300*24*time.Hour))
	proxy := mkCert(t, "wrong-name", false, ca, now.Add(-time.Hour), now.Add(300*24*time.Hour))

	objs := []runtime.Object{
		tlsSecret(ns, "kubevirt-ca", ca.certPEM, ca.keyPEM),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-ca"}, Data: map[string]string{"ca-bundle": string(ca.certPEM)}},
		tlsSecret(ns, "kubevirt-virt-api-certs", apiNew.certPEM, apiNew.keyPEM),
		tlsSecret(ns, "kubevirt-operator-certs", opServed.certPEM, opServed.keyPEM),
		tlsSecret(ns, "kubevirt-exportproxy-certs", proxy.certPEM, proxy.keyPEM),
		servedService(ns, "virt-api", "virt-api", intstr.FromInt32(8443)),
		servedService(ns, "kubevirt-operator-webhook", "virt-operator", intstr.FromString("webhooks")),
		servedService(ns, "virt-exportproxy", "virt-exportproxy", intstr.FromInt32(8443)),
		// Two virt-api pods: the older one is checked, as the likelier to be stale.
		servedPod(ns, "virt-api-abc12-new", "virt-api", now.Add(-time.Minute)),
		servedPod(ns, "virt-api-abc12-old", "virt-api", now.Add(-time.Hour)),
		servedPod(ns, "virt-operator-abc12-x", "virt-operator", now.Add(-time.Hour), corev1.ContainerPort{Name: "metrics", ContainerPort: 8443}, corev1.ContainerPort{Name: "webhooks", ContainerPort: 8444}),
		servedPod(ns, "virt-exportproxy-abc12-x", "virt-exportproxy", now.Add(-time.Hour)),
	}
	client := fake.NewSimpleClientset(objs...)
	client.PrependReactor("create", "selfsubjectaccessreviews", allowPortForward(true))
	dialer := &pipeDialer{serve: map[string]*testPair{
		"virt-api-abc12-old/8443":       apiOld,
		"virt-api-abc12-new/8443":       apiNew,
		"virt-operator-abc12-x/8444":    opServed,
		"virt-exportproxy-abc12-x/8443": proxy,
	}}
	s := &Scanner{Client: client, Now: func() time.Time { return now }, WarnWithin: 30 * 24 * time.Hour,
		Served: &ServedOptions{Dialer: dialer, Timeout: 5 * time.Second}}
	rep, err := s.Scan(context.Background(), []string{ns})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Certificate{}
	for i, c := range rep.Certificates {
		if c.Kind == KindPod {
			got[c.Name] = &rep.Certificates[i]
		}
	}
	cases := []struct {
		pod, port string
		status    Status
		reason    string
	}{
		{"virt-api-abc12-old", "8443", StatusServingStale, "secret/kubevirt-virt-api-certs holds"},
		{"virt-operator-abc12-x", "8444", StatusServingUntrusted, "configmap/kubevirt-ca"},
		{"virt-exportproxy-abc12-x", "8443", StatusServingUntrusted, "not valid for virt-exportproxy.cnv.svc"},
	}
	for _, c := range cases {
		row := got[c.pod]
		if row == nil {
			t.Errorf("no row for pod %s; warnings %q", c.pod, rep.Warnings)
			continue
		}
		if row.Status != c.status || !strings.Contains(row.Reason, c.reason) || row.Key != c.port || !row.Fails {
			t.Errorf("pod %s: status %s reason %q port %s fails %v; want %s with %q on %s, failing", c.pod, row.Status, row.Reason, row.Key, row.Fails, c.status, c.reason, c.port)
		}
	}
	if got["virt-api-abc12-new"] != nil {
		t.Error("the newer virt-api pod was checked; one pod per Service, the oldest")
	}
	advice := strings.Join(Advice(rep.Certificates), "\n")
	for _, want := range []string{
		"pod/virt-api-abc12-old: serves an older certificate than its Secret (it did not reload): restart it: `oc rollout restart -n cnv deployment/virt-api`",
		"pod/virt-operator-abc12-x: its clients would reject what it serves",
	} {
		if !strings.Contains(advice, want) {
			t.Errorf("advice lacks %q:\n%s", want, advice)
		}
	}
}

// oneVirtAPI is a namespace cnv whose virt-api Secret, Service and pod are all there is, and
// the certificate that pod would serve.
func oneVirtAPI(t *testing.T, now time.Time) (*fake.Clientset, *testPair) {
	t.Helper()
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	api := mkCert(t, "virt-api.cnv", false, ca, now.Add(-time.Hour), now.Add(300*24*time.Hour))
	return fake.NewSimpleClientset(
		tlsSecret(ns, "kubevirt-virt-api-certs", api.certPEM, api.keyPEM),
		servedService(ns, "virt-api", "virt-api", intstr.FromInt32(8443)),
		servedPod(ns, "virt-api-abc12-x", "virt-api", now.Add(-time.Hour)),
	), api
}

func TestServedWithoutPortForwardPermissionFallsBack(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	client, api := oneVirtAPI(t, now)
	client.PrependReactor("create", "selfsubjectaccessreviews", allowPortForward(false))
	dialer := &pipeDialer{serve: map[string]*testPair{"virt-api-abc12-x/8443": api}}
	s := &Scanner{Client: client, Now: func() time.Time { return now }, WarnWithin: 30 * 24 * time.Hour, Served: &ServedOptions{Dialer: dialer}}
	rep, err := s.Scan(context.Background(), []string{ns})
	if err != nil {
		t.Fatal(err)
	}
	if len(dialer.dials) != 0 {
		t.Errorf("dialled %v without the permission", dialer.dials)
	}
	want := "--served: you may not create pods/portforward in namespace cnv"
	if len(rep.Warnings) != 1 || !strings.HasPrefix(rep.Warnings[0], want) {
		t.Errorf("warnings %q, want one starting %q", rep.Warnings, want)
	}
	for _, c := range rep.Certificates {
		if c.Kind == KindPod {
			t.Errorf("a pod row without the permission: %+v", c)
		}
	}
}

func TestServedUnreachablePodIsAWarningNotARow(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	client, _ := oneVirtAPI(t, now)
	client.PrependReactor("create", "selfsubjectaccessreviews", allowPortForward(true))
	s := &Scanner{Client: client, Now: func() time.Time { return now }, WarnWithin: 30 * 24 * time.Hour,
		Served: &ServedOptions{Dialer: &pipeDialer{}}}
	rep, err := s.Scan(context.Background(), []string{ns})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "pod/virt-api-abc12-x port 8443") || !strings.Contains(rep.Warnings[0], "no forward found") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func TestRotationWaitsUntilThePodServesTheNewCertificate(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	oldCert := mkCert(t, "virt-api.cnv", false, ca, now.Add(-48*time.Hour), now.Add(200*24*time.Hour))
	newCert := mkCert(t, "virt-api.cnv", false, ca, now.Add(-time.Hour), now.Add(300*24*time.Hour))
	client := fake.NewSimpleClientset(
		servedService(ns, "virt-api", "virt-api", intstr.FromInt32(8443)),
		servedPod(ns, "virt-api-abc12-x", "virt-api", now.Add(-time.Hour)),
	)
	dialer := &pipeDialer{serve: map[string]*testPair{"virt-api-abc12-x/8443": oldCert}}
	clock := now
	r := &Rotator{Client: client, Now: func() time.Time { return clock }, Served: &ServedOptions{Dialer: dialer, Timeout: 5 * time.Second}}
	cp := &ComponentPlan{Name: CompKubeVirt, Namespace: ns, comp: Catalogue()[0]}
	target := Target{Secret: "kubevirt-virt-api-certs", Key: "tls.crt", Role: RoleServing}

	got := r.servedPending(context.Background(), cp, target, newCert.cert)
	if want := "service/virt-api to serve the new certificate: pod/virt-api-abc12-x still serves the old one"; got != want {
		t.Fatalf("pending %q, want %q", got, want)
	}
	// Asked again at once: the answer is remembered, not a second handshake.
	if again := r.servedPending(context.Background(), cp, target, newCert.cert); again != got || len(dialer.dials) != 1 {
		t.Fatalf("second ask at once: %q after %d dials", again, len(dialer.dials))
	}
	// The handshakes come 250ms, 500ms, 1s, then 2s apart, however often the wait asks.
	for i, gap := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second} {
		clock = clock.Add(gap - time.Millisecond)
		if again := r.servedPending(context.Background(), cp, target, newCert.cert); again != got || len(dialer.dials) != i+1 {
			t.Fatalf("asked %s after handshake %d: %q after %d dials", gap-time.Millisecond, i+1, again, len(dialer.dials))
		}
		clock = clock.Add(time.Millisecond)
		if again := r.servedPending(context.Background(), cp, target, newCert.cert); again != got || len(dialer.dials) != i+2 {
			t.Fatalf("asked %s after handshake %d: %q after %d dials", gap, i+1, again, len(dialer.dials))
		}
	}
	dialer.serve["virt-api-abc12-x/8443"] = newCert
	clock = clock.Add(servedProbeMax)
	if got := r.servedPending(context.Background(), cp, target, newCert.cert); got != "" {
		t.Fatalf("the pod serves the new certificate, still pending %q", got)
	}
	dials := len(dialer.dials)
	// A Secret without a Service in front of it is not waited for.
	if got := r.servedPending(context.Background(), cp, Target{Secret: "kubevirt-controller-certs", Key: "tls.crt"}, newCert.cert); got != "" || len(dialer.dials) != dials {
		t.Fatalf("kubevirt-controller-certs: %q after %d dials", got, len(dialer.dials))
	}
}

// A Service whose pods cannot be reached is said once and no longer waited for, and the outcome
// says that what it serves was not checked, so the rotation's last line does not claim it.
func TestRotationSaysWhatServedWasNotChecked(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ns := "cnv"
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	newCert := mkCert(t, "virt-api.cnv", false, ca, now.Add(-time.Hour), now.Add(300*24*time.Hour))
	client := fake.NewSimpleClientset(
		servedService(ns, "virt-api", "virt-api", intstr.FromInt32(8443)),
		servedPod(ns, "virt-api-abc12-x", "virt-api", now.Add(-time.Hour)),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-virt-api-certs"}, Data: map[string][]byte{"tls.crt": newCert.certPEM}},
	)
	dialer := &pipeDialer{serve: map[string]*testPair{}}
	var lines []string
	clock := now
	r := &Rotator{Client: client, Now: func() time.Time { return clock }, Served: &ServedOptions{Dialer: dialer, Timeout: 5 * time.Second},
		Progress: func(p Progress) { lines = append(lines, p.Component+": "+p.Line) }}
	cp := &ComponentPlan{Name: CompKubeVirt, Namespace: ns, comp: Catalogue()[0],
		Targets: []Target{{Secret: "kubevirt-virt-api-certs", Key: "tls.crt", Role: RoleServing, Serial: "01"}}}

	// A failed handshake is asked again (a pod restarting fails one and answers the next); the
	// third failure in a row gives up.
	for i := 1; i < servedProbeFailures; i++ {
		if got := r.servedPending(context.Background(), cp, cp.Targets[0], newCert.cert); got != "service/virt-api to serve the new certificate" || len(lines) != 0 {
			t.Fatalf("failed handshake %d: pending %q, progress %q", i, got, lines)
		}
		clock = clock.Add(servedProbeMax)
	}
	for range 2 {
		if got := r.servedPending(context.Background(), cp, cp.Targets[0], newCert.cert); got != "" {
			t.Fatalf("an unreachable pod is waited for after %d handshakes: %q", len(dialer.dials), got)
		}
		clock = clock.Add(servedProbeMax)
	}
	if len(dialer.dials) != servedProbeFailures {
		t.Errorf("%d handshakes, want %d", len(dialer.dials), servedProbeFailures)
	}
	want := "kubevirt: pod/virt-api-abc12-x port 8443 (service cnv/virt-api (secret/kubevirt-virt-api-certs)): no TLS handshake, so what it serves was not checked: no forward found for port 8443"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("progress %q, want one line %q", lines, want)
	}
	res := &Result{Outcomes: r.outcomes(context.Background(), cp)}
	if res.ServedUnchecked() != 1 || !strings.Contains(res.Outcomes[0].ServedUnchecked, "no forward found") || res.Outcomes[0].Note != "what is served not checked" {
		t.Errorf("outcomes %+v", res.Outcomes)
	}
}
