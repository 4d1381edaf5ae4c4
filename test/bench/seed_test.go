//go:build bench

package bench

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/certgen"
)

var nmGVR = schema.GroupVersionResource{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"}

// parallel runs fn(0..n-1) on a few workers, so seeding thousands of objects takes seconds;
// objects that already exist count as created, so a re-run of the bench reuses its seed.
func parallel(t *testing.T, what string, n int, fn func(i int) error) {
	t.Helper()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil && !apierrors.IsAlreadyExists(err) {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s %d: %w", what, i, err)
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
	t.Logf("seeded %d %s in %s", n, what, time.Since(start).Round(time.Millisecond))
}

// seedNamespaces makes n namespaces; every cdiEvery-th gets a bare pod labelled like a CDI
// importer, running on a kwok node, which rotate-certs.sh's per-namespace loop deletes.
func seedNamespaces(t *testing.T, e *benchEnv, n, cdiEvery int, node string) {
	t.Helper()
	ctx := context.Background()
	parallel(t, "namespaces", n, func(i int) error {
		name := fmt.Sprintf("bench-ns-%04d", i)
		_, err := e.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		if i%cdiEvery != 0 {
			return nil
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "importer-disk", Labels: map[string]string{"cdi.kubevirt.io": "importer"}},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "importer", Image: "quay.io/kubevirt/cdi-importer"}},
				Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
		}
		// Admission refuses pods until the controller-manager has made the namespace's default
		// ServiceAccount; retry until it has, within a deadline.
		deadline := time.Now().Add(time.Minute)
		for {
			_, err = e.kube.CoreV1().Pods(name).Create(ctx, pod, metav1.CreateOptions{})
			if err == nil || !apierrors.IsForbidden(err) || time.Now().After(deadline) {
				return err
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// seedEstate makes a namespace where the simulator plays every certificate owner of CNV, and
// waits until all its certificates exist and its Deployments are Ready.
func seedEstate(t *testing.T, e *benchEnv, name string) {
	t.Helper()
	ctx := context.Background()
	_, err := e.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels: map[string]string{"kubevirt-sim.oc-cnv.io/cnv": "all"},
		Annotations: map[string]string{"kubevirt-sim.oc-cnv.io/ca-duration": "8760h", "kubevirt-sim.oc-cnv.io/ca-renew-before": "720h",
			"kubevirt-sim.oc-cnv.io/server-duration": "4380h", "kubevirt-sim.oc-cnv.io/server-renew-before": "360h"}}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	waitEstateReady(t, e, name)
}

func waitEstateReady(t *testing.T, e *benchEnv, ns string) {
	t.Helper()
	ctx := context.Background()
	waitFor(t, 5*time.Minute, "the estate "+ns, func() (bool, error) {
		s, err := e.kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(s.Items) < 19 {
			return false, err
		}
		d, err := e.kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(d.Items) < 13 {
			return false, err
		}
		for _, o := range d.Items {
			if o.Status.ObservedGeneration < o.Generation || o.Status.ReadyReplicas != *o.Spec.Replicas ||
				o.Status.UpdatedReplicas != *o.Spec.Replicas || o.Status.Replicas != *o.Spec.Replicas {
				return false, nil
			}
		}
		return true, nil
	})
}

// seedSecrets makes n kubernetes.io/tls Secrets holding one certificate and key, the shape
// certs check -A reads on a large cluster.
func seedSecrets(t *testing.T, e *benchEnv, ns string, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := e.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	now := time.Now()
	cert := certgen.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(365 * 24 * time.Hour), DNSNames: []string{"bench.svc"}}, nil)
	data := map[string][]byte{"tls.crt": cert.CertPEM, "tls.key": cert.KeyPEM}
	parallel(t, "secrets", n, func(i int) error {
		_, err := e.kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("tls-%05d", i)},
			Type: corev1.SecretTypeTLS, Data: data}, metav1.CreateOptions{})
		return err
	})
}

// seedNodes makes n Node objects that kwok does not manage (no kwok annotation), so thousands
// of them cost the API server storage but no heartbeats.
func seedNodes(t *testing.T, e *benchEnv, n int) {
	t.Helper()
	ctx := context.Background()
	parallel(t, "nodes", n, func(i int) error {
		_, err := e.kube.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: benchNode(i),
			Labels: map[string]string{"oc-cnv.io/bench": "true", "kubernetes.io/hostname": benchNode(i)}}}, metav1.CreateOptions{})
		return err
	})
}

func benchNode(i int) string { return fmt.Sprintf("bench-node-%05d", i) }

// seedNodeMaintenances puts the first n seeded nodes in maintenance, with the status an
// operator would have written, so list has every column to fill.
func seedNodeMaintenances(t *testing.T, e *benchEnv, n int) {
	t.Helper()
	ctx := context.Background()
	parallel(t, "nodemaintenances", n, func(i int) error {
		nm := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "nodemaintenance.medik8s.io/v1beta1", "kind": "NodeMaintenance",
			"metadata": map[string]any{"name": benchNode(i) + "-maintenance"},
			"spec":     map[string]any{"nodeName": benchNode(i), "reason": "bench"},
		}}
		created, err := e.dyn.Resource(nmGVR).Create(ctx, nm, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		created.Object["status"] = map[string]any{"phase": "Succeeded", "drainProgress": int64(100), "totalpods": int64(4), "evictionPods": int64(4),
			"lastUpdate": time.Now().UTC().Format(time.RFC3339)}
		_, err = e.dyn.Resource(nmGVR).UpdateStatus(ctx, created, metav1.UpdateOptions{})
		return err
	})
}

// seedVMIs makes count running VMIs on node, in namespace ns, as virt-controller labels and
// reports them (the simulator is stopped by then: it would start a launcher pod for each).
func seedVMIs(t *testing.T, e *benchEnv, ns, node string, from, count int) {
	t.Helper()
	ctx := context.Background()
	_, err := e.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	strategy := virtv1.EvictionStrategyLiveMigrate
	parallel(t, "VMIs in "+ns, count, func(i int) error {
		vmi := &virtv1.VirtualMachineInstance{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("vm-%05d", from+i), Labels: map[string]string{virtv1.NodeNameLabel: node}},
			Spec:       virtv1.VirtualMachineInstanceSpec{EvictionStrategy: &strategy, Domain: virtv1.DomainSpec{Devices: virtv1.Devices{}}},
			Status: virtv1.VirtualMachineInstanceStatus{Phase: virtv1.Running, NodeName: node,
				Conditions: []virtv1.VirtualMachineInstanceCondition{{Type: virtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}}},
		}
		_, err := e.kv.KubevirtV1().VirtualMachineInstances(ns).Create(ctx, vmi, metav1.CreateOptions{})
		return err
	})
}

var metav1ListAll = metav1.ListOptions{}
