package completion

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

var nmGVR = schema.GroupVersionResource{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"}

type cluster struct {
	kube *kubefake.Clientset
	dyn  *dynfake.FakeDynamicClient
}

// newCluster: n1 has a NodeMaintenance named by the console (and the operator has not cordoned
// it yet, so only the object tells), n2 was drained with
// --method=drain, n3 is cordoned by someone, n4 and n5 are free. withAPI serves the
// NodeMaintenance API.
func newCluster(withAPI bool) *cluster {
	nm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": nmGVR.GroupVersion().String(), "kind": "NodeMaintenance",
		"metadata": map[string]any{"name": "console-made"},
		"spec":     map[string]any{"nodeName": "n1"},
	}}
	kube := kubefake.NewSimpleClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2", Labels: map[string]string{maintenance.LabelMaintenance: string(maintenance.MethodDrain)}},
			Spec: corev1.NodeSpec{Unschedulable: true}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n3"}, Spec: corev1.NodeSpec{Unschedulable: true}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n4"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n5"}},
	)
	if withAPI {
		kube.Resources = append(kube.Resources, &metav1.APIResourceList{GroupVersion: nmGVR.GroupVersion().String(),
			APIResources: []metav1.APIResource{{Name: "nodemaintenances", Kind: "NodeMaintenance"}}})
	}
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{nmGVR: "NodeMaintenanceList"}, nm)
	return &cluster{kube: kube, dyn: dyn}
}

func (c *cluster) factory() *cmdutil.Factory {
	return &cmdutil.Factory{Program: cmdutil.DefaultProgram(), KubeClient: c.kube, DynamicClient: c.dyn, Discovery: c.kube.Discovery()}
}

func complete(fn cobra.CompletionFunc, args []string, toComplete string) (string, cobra.ShellCompDirective) {
	got, dir := fn(&cobra.Command{}, args, toComplete)
	return strings.Join(got, " "), dir
}

func TestNodesForStartAndInMaintenance(t *testing.T) {
	for _, tc := range []struct {
		name        string
		api         bool
		failNMList  bool
		start, stop string
	}{
		{name: "both methods", api: true, start: "n4 n5", stop: "n1 n2"},
		// Without the API no object is looked for.
		{name: "no NodeMaintenance API", api: false, start: "n1 n4 n5", stop: "n2"},
		// The objects cannot be read: what can be read is still offered, rather than nothing.
		{name: "objects unreadable", api: true, failNMList: true, start: "n1 n4 n5", stop: "n2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(tc.api)
			if tc.failNMList {
				c.dyn.PrependReactor("list", "nodemaintenances", func(clienttesting.Action) (bool, runtime.Object, error) {
					return true, nil, errors.New("forbidden")
				})
			}
			f := c.factory()
			if got, dir := complete(NodesForStart(f), nil, ""); got != tc.start || dir != cobra.ShellCompDirectiveNoFileComp {
				t.Errorf("start offers %q (directive %d), want %q without files", got, dir, tc.start)
			}
			if got, _ := complete(NodesInMaintenance(f), nil, ""); got != tc.stop {
				t.Errorf("stop offers %q, want %q", got, tc.stop)
			}
		})
	}
}

// What was typed narrows the candidates, and a node already on the command line is not offered
// again.
func TestCompletionFiltersTypedAndGiven(t *testing.T) {
	f := newCluster(true).factory()
	if got, _ := complete(NodesForStart(f), []string{"n4"}, "n"); got != "n5" {
		t.Errorf("start n4 n<TAB> offers %q, want n5", got)
	}
	if got, _ := complete(NodesInMaintenance(f), nil, "n2"); got != "n2" {
		t.Errorf("stop n2<TAB> offers %q, want n2", got)
	}
}

// A cluster that cannot be read offers nothing, and never file names.
func TestCompletionWithoutClusterOffersNothing(t *testing.T) {
	c := newCluster(true)
	c.kube.PrependReactor("list", "nodes", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	f := c.factory()
	for name, fn := range map[string]cobra.CompletionFunc{"start": NodesForStart(f), "stop": NodesInMaintenance(f)} {
		if got, dir := complete(fn, nil, ""); got != "" || dir != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%s offers %q (directive %d), want nothing and no files", name, got, dir)
		}
	}
}

func TestNamespacesAndWords(t *testing.T) {
	kube := kubefake.NewSimpleClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openshift-cnv"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}})
	f := &cmdutil.Factory{Program: cmdutil.DefaultProgram(), KubeClient: kube}
	if got, _ := complete(Namespaces(f), nil, "open"); got != "openshift-cnv" {
		t.Errorf("-n open<TAB> offers %q", got)
	}
	// jsonpath= takes its value right after the '=', so no space may follow a word.
	if got, dir := complete(Words("wide", "jsonpath="), nil, ""); got != "wide jsonpath=" || dir != cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace {
		t.Errorf("Words offers %q (directive %d)", got, dir)
	}
}
