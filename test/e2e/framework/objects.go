package framework

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestLabel marks every node a test makes with the test's id; TestTaintKey keeps foreign pods
// off them, so a test's drain sees only its own workload.
const (
	TestLabel    = "oc-cnv.io/e2e-test"
	TestTaintKey = "oc-cnv.io/e2e-test"
)

// NodeMaintenanceGVRs are the NodeMaintenance APIs oc-cnv understands, newest first.
var NodeMaintenanceGVRs = []schema.GroupVersionResource{
	{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"},
	{Group: "nodemaintenance.kubevirt.io", Version: "v1beta1", Resource: "nodemaintenances"},
	{Group: "kubevirt.io", Version: "v1alpha1", Resource: "nodemaintenances"},
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// ID returns a short DNS-1123 id for the test: a prefix of its name and a random suffix.
func ID(t testing.TB) string {
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 30 {
		name = strings.Trim(name[:30], "-")
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// Namespace creates a namespace for the test, deleted when it ends.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	name := "e2e-" + ID(t)
	ctx := context.Background()
	_, err := e.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: name, Labels: map[string]string{TestLabel: "true"},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = e.Kube.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}

// TestNodes is a set of kwok nodes that belong to one test.
type TestNodes struct {
	// Names of the nodes.
	Names []string
	// Label is the value of TestLabel on them (also the taint's value); VMs select them with
	// NodeSelector and Toleration.
	Label string
}

// NodeSelector is the nodeSelector that pins a workload to the test's nodes.
func (n TestNodes) NodeSelector() map[string]string { return map[string]string{TestLabel: n.Label} }

// Toleration is the toleration that lets a workload onto the test's nodes.
func (n TestNodes) Toleration() corev1.Toleration {
	return corev1.Toleration{Key: TestTaintKey, Operator: corev1.TolerationOpEqual, Value: n.Label, Effect: corev1.TaintEffectNoSchedule}
}

// PlacementYAML is the nodeSelector and tolerations block, indented for a pod or VMI spec at
// the given indentation.
func (n TestNodes) PlacementYAML(indent int) string {
	p := strings.Repeat(" ", indent)
	return fmt.Sprintf("%snodeSelector:\n%s  %s: %q\n%stolerations:\n%s- {key: %q, operator: Equal, value: %q, effect: NoSchedule}\n",
		p, p, TestLabel, n.Label, p, p, TestTaintKey, n.Label)
}

// Nodes creates count kwok nodes for the test, Ready, labelled and tainted for it; they and
// any NodeMaintenance of theirs are deleted when the test ends.
func (e *Env) Nodes(t testing.TB, count int) TestNodes {
	t.Helper()
	id := ID(t)
	nodes := TestNodes{Label: id}
	ctx := context.Background()
	for i := 0; i < count; i++ {
		name := fmt.Sprintf("%s-n%d", id, i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: name,
				Labels: map[string]string{
					TestLabel:                 id,
					"kubernetes.io/hostname":  name,
					"kubernetes.io/os":        "linux",
					"kubernetes.io/arch":      "amd64",
					"kubevirt.io/schedulable": "true",
				},
				// kwok manages (reports as Ready, runs the pods of) nodes with this annotation.
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
			},
			Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: TestTaintKey, Value: id, Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{
				Capacity:    nodeResources(),
				Allocatable: nodeResources(),
			},
		}
		if _, err := e.Kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating node %s: %v", name, err)
		}
		nodes.Names = append(nodes.Names, name)
	}
	t.Cleanup(func() { e.deleteNodes(t, nodes.Names) })
	for _, name := range nodes.Names {
		e.WaitNodeReady(t, name, time.Minute)
	}
	return nodes
}

func nodeResources() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
}

// WaitNodeReady waits for the node's Ready condition.
func (e *Env) WaitNodeReady(t testing.TB, name string, timeout time.Duration) {
	t.Helper()
	WaitFor(t, timeout, "node "+name+" Ready", func() (bool, error) {
		n, err := e.Kube.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
}

// deleteNodes ends the maintenance of the nodes (the operator removes its finalizer), then
// deletes them.
func (e *Env) deleteNodes(t testing.TB, names []string) {
	ctx := context.Background()
	mine := map[string]bool{}
	for _, n := range names {
		mine[n] = true
	}
	for _, gvr := range NodeMaintenanceGVRs {
		list, err := e.Dynamic.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, nm := range list.Items {
			node, _, _ := unstructured.NestedString(nm.Object, "spec", "nodeName")
			if !mine[node] {
				continue
			}
			_ = e.Dynamic.Resource(gvr).Delete(ctx, nm.GetName(), metav1.DeleteOptions{})
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := e.Dynamic.Resource(gvr).Get(ctx, nm.GetName(), metav1.GetOptions{}); apierrors.IsNotFound(err) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	for _, n := range names {
		_ = e.Kube.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{})
	}
}

// Apply creates the objects of a multi-document YAML in namespace ns (ignored for
// cluster-scoped kinds) and returns them as created.
func (e *Env) Apply(t testing.TB, ns, manifest string) []*unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(manifest)), 4096)
	var out []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("decoding manifest: %v", err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		gvk := obj.GroupVersionKind()
		mapping, err := e.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			e.Mapper.Reset()
			if mapping, err = e.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
				t.Fatalf("mapping %s: %v", gvk, err)
			}
		}
		ri := e.Dynamic.Resource(mapping.Resource)
		var created *unstructured.Unstructured
		if mapping.Scope.Name() == "namespace" {
			created, err = ri.Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
		} else {
			created, err = ri.Create(ctx, obj, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatalf("creating %s %s: %v", gvk.Kind, obj.GetName(), err)
		}
		out = append(out, created)
	}
	return out
}

// WaitFor polls cond every 100ms until it returns true, and fails the test after timeout with
// the condition's description and its last error.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	if err := Eventually(timeout, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// Eventually is WaitFor without a test: it returns an error after timeout, with the
// condition's last error. A condition's error does not end the wait: what is waited for is
// often not there yet.
func Eventually(timeout time.Duration, cond func() (bool, error)) error {
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		if err != nil {
			last = err
		}
		return ok, nil
	})
	switch {
	case err == nil:
		return nil
	case last != nil:
		return fmt.Errorf("timed out after %s (last error: %w)", timeout, last)
	}
	return fmt.Errorf("timed out after %s", timeout)
}
