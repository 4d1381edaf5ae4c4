package served

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

const testNS = "openshift-cnv"

// issue makes a CA and a leaf it signed; tls.crt holds the leaf, then the CA when chain is set.
func issue(t *testing.T, serial int64, chain bool) *corev1.Secret {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(serial + 1000), Subject: pkix.Name{CommonName: "test-ca"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"virt-operator.openshift-cnv.svc"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if chain {
		crt = append(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "kubevirt-operator-certs", Namespace: testNS},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})},
	}
}

// served returns the certificates a TLS server on 127.0.0.1:port presents.
func served(t *testing.T, port int) []*x509.Certificate {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", net.JoinHostPort(loopback, strconv.Itoa(port)),
		&tls.Config{InsecureSkipVerify: true, ServerName: "virt-operator.openshift-cnv.svc"}) //nolint:gosec // the test reads what is served, it trusts nothing
	if err != nil {
		t.Fatalf("handshake with 127.0.0.1:%d: %v", port, err)
	}
	defer func() { _ = conn.Close() }()
	return conn.ConnectionState().PeerCertificates
}

func servedSerial(t *testing.T, port int) int64 {
	t.Helper()
	return served(t, port)[0].SerialNumber.Int64()
}

func secretLister(t *testing.T, s *corev1.Secret) (cache.Indexer, corelisters.SecretLister) {
	t.Helper()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := idx.Add(s); err != nil {
		t.Fatal(err)
	}
	return idx, corelisters.NewSecretLister(idx)
}

// startListener opens a pod's listener for the test and closes it when the test ends.
func startListener(t *testing.T, uid string, lister corelisters.SecretLister, reloads bool, delay time.Duration) *endpoint {
	t.Helper()
	ep, err := listen(types.UID(uid), testNS, "kubevirt-operator-certs", lister, reloads, delay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ep.close)
	return ep
}

// wantSerial fails the test unless the listener presents the certificate with serial want.
func wantSerial(t *testing.T, ep *endpoint, want int64, when string) {
	t.Helper()
	if got := servedSerial(t, ep.port); got != want {
		t.Fatalf("%s: served serial %d, want %d", when, got, want)
	}
}

func TestListenerServesTheSecretsCurrentCertificate(t *testing.T) {
	idx, lister := secretLister(t, issue(t, 1, false))
	ep := startListener(t, "uid-1", lister, true, 0)
	wantSerial(t, ep, 1, "at first")
	if err := idx.Update(issue(t, 2, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 2, "after the Secret was re-issued (a reloading component)")
}

// A re-issued Secret reaches a reloading pod only after the volume delay, as a kubelet's refresh
// lags the write; until then the pod serves what it had.
func TestListenerServesAChangeOnlyAfterTheVolumeDelay(t *testing.T) {
	idx, lister := secretLister(t, issue(t, 1, false))
	ep := startListener(t, "uid-1", lister, true, time.Minute)
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ep.mu.Lock()
	ep.now = func() time.Time { return clock }
	ep.mu.Unlock()
	wantSerial(t, ep, 1, "at first")
	if err := idx.Update(issue(t, 2, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 1, "right after the re-issue (the volume has not been refreshed)")
	clock = clock.Add(59 * time.Second)
	wantSerial(t, ep, 1, "59s after the re-issue")
	clock = clock.Add(time.Second)
	wantSerial(t, ep, 2, "a minute after the re-issue")
}

// A pod holds the certificate it started with even when no client connected before the
// Secret was re-issued: the first handshake after the re-issue still sees the old one.
func TestListenerServesWhatItStartedWithUntilTheVolumeDelay(t *testing.T) {
	idx, lister := secretLister(t, issue(t, 1, false))
	ep := startListener(t, "uid-1", lister, true, time.Minute)
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ep.mu.Lock()
	ep.now = func() time.Time { return clock }
	ep.mu.Unlock()
	if err := idx.Update(issue(t, 2, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 1, "the first handshake, after a re-issue no client saw")
	clock = clock.Add(time.Minute)
	wantSerial(t, ep, 2, "a minute later")
}

// A deleted Secret leaves a pod's Secret volume as it was: the pod serves its last certificate
// until the owner writes a new one, never nothing.
func TestListenerKeepsServingWhileItsSecretIsDeleted(t *testing.T) {
	idx, lister := secretLister(t, issue(t, 1, false))
	ep := startListener(t, "uid-1", lister, true, 0)
	wantSerial(t, ep, 1, "at first")
	if err := idx.Delete(issue(t, 1, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 1, "with the Secret deleted (the volume keeps its files)")
	if err := idx.Add(issue(t, 2, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 2, "after the owner re-created the Secret")
}

func TestListenerWithoutReloadServesTheCertificateItStartedWith(t *testing.T) {
	idx, lister := secretLister(t, issue(t, 1, false))
	old := startListener(t, "uid-1", lister, false, 0)
	if err := idx.Update(issue(t, 2, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, old, 1, "pod seen before the re-issue (stale)")
	if got := old.snapshotSerial(); got != "1" {
		t.Fatalf("snapshot serial %q, want 1", got)
	}
	// A restarted pod is a new pod: it reads the Secret as it is now.
	restarted := startListener(t, "uid-2", lister, false, 0)
	wantSerial(t, restarted, 2, "restarted pod")
}

func TestListenerWithoutReloadTakesTheFirstCertificateOfALateSecret(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	ep := startListener(t, "uid-1", corelisters.NewSecretLister(idx), false, 0)
	conn, err := tls.Dial("tcp", net.JoinHostPort(loopback, strconv.Itoa(ep.port)), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // expected to fail
	if err == nil {
		_ = conn.Close()
		t.Fatal("handshake succeeded without a Secret")
	}
	if err := idx.Add(issue(t, 5, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 5, "at first")
	if err := idx.Update(issue(t, 6, false)); err != nil {
		t.Fatal(err)
	}
	wantSerial(t, ep, 5, "after a re-issue (stale)")
}

func TestListenerPresentsTheChainTheSecretHolds(t *testing.T) {
	_, lister := secretLister(t, issue(t, 1, true))
	ep := startListener(t, "uid-1", lister, true, 0)
	certs := served(t, ep.port)
	if len(certs) != 2 || certs[0].SerialNumber.Int64() != 1 || !certs[1].IsCA {
		t.Fatalf("served %d certificates, want the leaf then its CA", len(certs))
	}
	if err := certs[0].CheckSignatureFrom(certs[1]); err != nil {
		t.Fatalf("served chain: %v", err)
	}
}

func TestPortForwardObject(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "virt-operator-abc", Namespace: testNS, UID: "pod-uid"}}
	pf := portForward(pod, []int32{8443, 8444}, 40123)
	if pf.GetKind() != "PortForward" || pf.GetAPIVersion() != "kwok.x-k8s.io/v1alpha1" || pf.GetName() != pod.Name || pf.GetNamespace() != testNS {
		t.Fatalf("object %s %s %s/%s", pf.GetAPIVersion(), pf.GetKind(), pf.GetNamespace(), pf.GetName())
	}
	refs := pf.GetOwnerReferences()
	if len(refs) != 1 || refs[0].Kind != "Pod" || refs[0].APIVersion != "v1" || refs[0].UID != "pod-uid" || refs[0].Name != pod.Name {
		t.Fatalf("owner references %+v, want the pod", refs)
	}
	forwards, _, _ := unstructured.NestedSlice(pf.Object, "spec", "forwards")
	if len(forwards) != 1 {
		t.Fatalf("forwards %v", forwards)
	}
	fw := forwards[0].(map[string]any)
	if fmt.Sprint(fw["ports"]) != "[8443 8444]" {
		t.Fatalf("ports %v", fw["ports"])
	}
	target := fw["target"].(map[string]any)
	if target["address"] != "127.0.0.1" || target["port"] != int64(40123) {
		t.Fatalf("target %v, want 127.0.0.1:40123", target)
	}
	// It must survive a deep copy, which the dynamic client makes.
	_ = pf.DeepCopy()
}

func TestPodsGetForwardsAndLoseThemWhenGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNS}}
	operator := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "virt-operator-1", Namespace: testNS, UID: "u1", Labels: map[string]string{"kubevirt.io": "virt-operator"}}}
	api := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "virt-api-1", Namespace: testNS, UID: "u2", Labels: map[string]string{"kubevirt.io": "virt-api"}}}
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "virt-launcher-x", Namespace: testNS, UID: "u3", Labels: map[string]string{"kubevirt.io": "virt-launcher"}}}
	c := fake.NewSimpleClientset(ns, issue(t, 7, false), operator, api, other)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{PortForwardGVR: "PortForwardList"})
	s := newServer(c, dyn, &Options{Namespace: testNS, VirtAPIPort: 9544})
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()

	pfTarget := func(name string) (int64, error) {
		pf, err := dyn.Resource(PortForwardGVR).Namespace(testNS).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		fws, _, _ := unstructured.NestedSlice(pf.Object, "spec", "forwards")
		port, _, _ := unstructured.NestedInt64(fws[0].(map[string]any), "target", "port")
		return port, nil
	}
	waitFor(t, "the virt-api pod's forward to the real virt-api", func() bool { p, _ := pfTarget("virt-api-1"); return p == 9544 })
	var port int64
	waitFor(t, "the virt-operator pod's forward", func() bool { port, _ = pfTarget("virt-operator-1"); return port != 0 })
	if got := servedSerial(t, int(port)); got != 7 {
		t.Fatalf("virt-operator pod serves serial %d, want 7", got)
	}
	if _, err := pfTarget("virt-launcher-x"); !apierrors.IsNotFound(err) {
		t.Fatalf("a launcher pod got a forward (err %v)", err)
	}
	// A pod update that changes neither the pod nor its listener writes nothing.
	writes := len(dyn.Actions())
	if err := s.sync(ctx, testNS+"/virt-operator-1"); err != nil {
		t.Fatal(err)
	}
	if got := dyn.Actions()[writes:]; len(got) != 0 {
		t.Fatalf("syncing an unchanged pod made %d PortForward calls: %v", len(got), got)
	}

	if err := c.CoreV1().Pods(testNS).Delete(ctx, operator.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted pod's forward to go", func() bool { _, err := pfTarget("virt-operator-1"); return apierrors.IsNotFound(err) })
	waitFor(t, "the deleted pod's listener to close", func() bool {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(loopback, strconv.Itoa(int(port))), time.Second)
		if err == nil {
			_ = conn.Close()
		}
		return err != nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}
