package start

import (
	"bytes"
	"context"
	"strings"
	"testing"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

var nmGVR = schema.GroupVersionResource{Group: "nodemaintenance.medik8s.io", Version: "v1beta1", Resource: "nodemaintenances"}

type fixture struct {
	kube    *kubefake.Clientset
	dyn     *dynfake.FakeDynamicClient
	kv      *kvfake.Clientset
	allowed bool
	noAPI   bool
}

func readyNode(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubevirt.io/schedulable": "true"}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

func newFixture(nodes []string, vmis ...runtime.Object) *fixture {
	fx := &fixture{allowed: true}
	var objs []runtime.Object
	for _, n := range nodes {
		objs = append(objs, readyNode(n))
	}
	fx.kube = kubefake.NewSimpleClientset(objs...)
	fx.kube.PrependReactor("create", "selfsubjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		ssar := a.(clienttesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		ssar.Status.Allowed = fx.allowed
		if !fx.allowed {
			ssar.Status.Reason = "RBAC: no rule"
		}
		return true, ssar, nil
	})
	fx.dyn = dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{nmGVR: "NodeMaintenanceList"})
	fx.kv = kvfake.NewSimpleClientset(vmis...)
	return fx
}

func (fx *fixture) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if !fx.noAPI {
		fx.kube.Resources = append(fx.kube.Resources, &metav1.APIResourceList{GroupVersion: nmGVR.GroupVersion().String(),
			APIResources: []metav1.APIResource{{Name: "nodemaintenances", Kind: "NodeMaintenance"}}})
	}
	fx.kube.Resources = append(fx.kube.Resources, &metav1.APIResourceList{GroupVersion: "kubevirt.io/v1",
		APIResources: []metav1.APIResource{{Name: "virtualmachineinstances", Kind: "VirtualMachineInstance", Namespaced: true}}})
	f := &cmdutil.Factory{Program: cmdutil.DefaultProgram(), KubeClient: fx.kube, DynamicClient: fx.dyn, KubeVirtClient: fx.kv, Discovery: fx.kube.Discovery()}
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	cmd := NewCmdStart(f, streams, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		// As main prints it: the message, then the hint of the error that has one.
		cmdutil.PrintError(&errOut, f.Program, err)
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

// writes lists every mutating request the command made, apart from access reviews.
func (fx *fixture) writes() []string {
	var w []string
	for _, set := range [][]clienttesting.Action{fx.kube.Actions(), fx.dyn.Actions(), fx.kv.Actions()} {
		for _, a := range set {
			switch a.GetVerb() {
			case "create", "update", "patch", "delete":
				if a.GetResource().Resource != "selfsubjectaccessreviews" {
					w = append(w, a.GetVerb()+" "+a.GetResource().Resource)
				}
			}
		}
	}
	return w
}

func vmi(name, node string, s kvv1.EvictionStrategy, migratable corev1.ConditionStatus, reason string) *kvv1.VirtualMachineInstance {
	return &kvv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{kvv1.NodeNameLabel: node},
			OwnerReferences: []metav1.OwnerReference{{Kind: "VirtualMachine", Name: name}}},
		Spec: kvv1.VirtualMachineInstanceSpec{EvictionStrategy: &s},
		Status: kvv1.VirtualMachineInstanceStatus{Phase: kvv1.Running, NodeName: node, Conditions: []kvv1.VirtualMachineInstanceCondition{
			{Type: kvv1.VirtualMachineInstanceIsMigratable, Status: migratable, Reason: reason, Message: "PVC disk0 is ReadWriteOnce"}}},
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		nodes    []string
		noAPI    bool
		denied   bool
		wantCode int
		wantErr  string
	}{
		{"no node", nil, []string{"n1", "n2"}, false, false, 2, "name at least one node"},
		{"names and selector", []string{"n1", "-l", "a=b"}, []string{"n1", "n2"}, false, false, 2, "not both"},
		{"name with two nodes", []string{"n1", "n2", "--name", "x"}, []string{"n1", "n2", "n3"}, false, false, 2, "--name can only be used with a single node"},
		{"bad dry-run", []string{"n1", "--dry-run=maybe"}, []string{"n1", "n2"}, false, false, 2, "--dry-run must be"},
		{"bad method", []string{"n1", "--method=magic"}, []string{"n1", "n2"}, false, false, 2, "--method must be"},
		{"drain without wait", []string{"n1", "--method=drain", "--wait=false"}, []string{"n1", "n2"}, false, false, 2, "drop --wait=false"},
		{"bad node name", []string{"Node_1"}, []string{"n1", "n2"}, false, false, 2, "not a valid node name"},
		{"missing node", []string{"n9", "--yes"}, []string{"n1", "n2"}, false, false, 2, `node "n9" not found; did you mean "n1" or "n2"?`},
		{"no API", []string{"n1", "--yes"}, []string{"n1", "n2"}, true, false, 6, "use --method=drain"},
		{"forbidden", []string{"n1", "--yes"}, []string{"n1", "n2"}, false, true, 5, "you are not allowed to create nodemaintenances.nodemaintenance.medik8s.io"},
		{"no capacity", []string{"n1", "--yes"}, []string{"n1"}, false, false, 4, "no schedulable node would remain outside n1 to receive the evicted VMs and pods; this cannot be overridden, not even with --force: the drain would evict them with nowhere to run, so it could never finish. Make another node schedulable (uncordon it, or add one) first"},
		{"no capacity with --force", []string{"n1", "--yes", "--force"}, []string{"n1"}, false, false, 4, "this cannot be overridden, not even with --force"},
		{"explicitly empty reason", []string{"n1", "--yes", "--reason", ""}, []string{"n1", "n2"}, false, false, 2, "--reason is empty"},
		{"blank reason", []string{"n1", "--yes", "--reason= "}, []string{"n1", "n2"}, false, false, 2, "--reason is empty"},
		{"reason too long", []string{"n1", "--yes", "--reason", strings.Repeat("x", 1025)}, []string{"n1", "n2"}, false, false, 2, "the limit is 1024"},
		{"bad -o with dry run", []string{"n1", "--dry-run=client", "-o", "toml"}, []string{"n1", "n2"}, false, false, 2, `-o toml: unable to match a printer suitable for the output format "toml"`},
		{"-o with drain dry run", []string{"n1", "--method=drain", "--dry-run", "-o", "yaml"}, []string{"n1", "n2"}, false, false, 2, "--method=drain does not create"},
		{"unparsable selector", []string{"-l", "!!!", "--yes"}, []string{"n1", "n2"}, false, false, 2, `-l "!!!" is not a valid label selector`},
		{"empty node name", []string{"", "--yes"}, []string{"n1", "n2"}, false, false, 2, `"" is not a valid node name: it is empty`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(tc.nodes)
			fx.noAPI, fx.allowed = tc.noAPI, !tc.denied
			stdout, stderr, code := fx.run(t, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d containing %q", code, stderr, tc.wantCode, tc.wantErr)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("want one line, got %q", stderr)
			}
			if w := fx.writes(); len(w) > 0 {
				t.Fatalf("bad input must write nothing, wrote %v", w)
			}
			// Input errors are found before any request, so nothing (no plan) is printed.
			if code == cmdutil.ExitUsage && tc.name != "missing node" {
				if stdout != "" {
					t.Fatalf("bad input printed %q before the error", stdout)
				}
				if a := append(fx.kube.Actions(), fx.dyn.Actions()...); len(a) > 0 {
					t.Fatalf("bad input made %d request(s) before the error, first %s %s", len(a), a[0].GetVerb(), a[0].GetResource().Resource)
				}
			}
		})
	}
}

// A second start of the same node wins the race to the checks but loses the one to create: it
// reports the node as already in maintenance, exactly as when the checks had found it.
func TestCreateRaceOnSameNodeIsAlreadyInMaintenance(t *testing.T) {
	fx := newFixture([]string{"n1", "n2"})
	fx.dyn.PrependReactor("create", "nodemaintenances", func(a clienttesting.Action) (bool, runtime.Object, error) {
		winner := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": nmGVR.GroupVersion().String(), "kind": "NodeMaintenance",
			"metadata": map[string]interface{}{"name": "n1-maintenance"},
			"spec":     map[string]interface{}{"nodeName": "n1", "reason": "the other run"},
			"status":   map[string]interface{}{"phase": "Running"},
		}}
		if err := fx.dyn.Tracker().Create(nmGVR, winner, ""); err != nil {
			t.Fatal(err)
		}
		return true, nil, apierrors.NewAlreadyExists(nmGVR.GroupResource(), "n1-maintenance")
	})
	stdout, stderr, code := fx.run(t, "n1", "--yes", "--wait=false", "--reason", "mine")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and no error", code, stderr)
	}
	if want := "Node n1 is already in maintenance (NodeMaintenance n1-maintenance, phase Running). Its reason stays \"the other run\": --reason \"mine\" was not applied (stop the maintenance and start it again to change it).\n"; !strings.HasSuffix(stdout, want) || strings.Contains(stdout, "created") {
		t.Fatalf("stdout %q, want it to end with %q", stdout, want)
	}
}

// The object name is held by another node's maintenance: the --name advice, exit 2, and the
// other object is left as it was.
func TestCreateNameTakenByOtherNode(t *testing.T) {
	fx := newFixture([]string{"n1", "n2", "n3"})
	other := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": nmGVR.GroupVersion().String(), "kind": "NodeMaintenance",
		"metadata": map[string]interface{}{"name": "custom"},
		"spec":     map[string]interface{}{"nodeName": "n2"},
	}}
	if err := fx.dyn.Tracker().Create(nmGVR, other, ""); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := fx.run(t, "n1", "--yes", "--wait=false", "--name", "custom")
	if code != cmdutil.ExitUsage || !strings.Contains(stderr, `a NodeMaintenance named "custom" already exists for node n2, not n1; choose another name with --name`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("want one line, got %q", stderr)
	}
	got, err := fx.dyn.Resource(nmGVR).Get(context.Background(), "custom", metav1.GetOptions{})
	if err != nil || got.Object["spec"].(map[string]interface{})["nodeName"] != "n2" {
		t.Fatalf("the other node's maintenance changed: %v %v", got, err)
	}
}

func TestRefusesBlockingVMWithoutForce(t *testing.T) {
	fx := newFixture([]string{"n1", "n2"},
		vmi("rwo", "n1", kvv1.EvictionStrategyLiveMigrate, corev1.ConditionFalse, "DisksNotLiveMigratable"),
		vmi("ok", "n1", kvv1.EvictionStrategyLiveMigrate, corev1.ConditionTrue, ""))
	stdout, stderr, code := fx.run(t, "n1", "--yes")
	if code != cmdutil.ExitBlocked {
		t.Fatalf("exit %d, want %d; stderr %s", code, cmdutil.ExitBlocked, stderr)
	}
	wantOut := `Node n1:
  Will live-migrate (1):
    default/ok  LiveMigrate
  Will block the drain (1):
    default/rwo  LiveMigrate  not live-migratable: DisksNotLiveMigratable: PVC disk0 is ReadWriteOnce
  VMs can go to: n2
  Other pods to evict: 0
`
	if stdout != wantOut {
		t.Fatalf("plan:\n%s\nwant:\n%s", stdout, wantOut)
	}
	if !strings.Contains(stderr, "default/rwo: evictionStrategy LiveMigrate but DisksNotLiveMigratable") || !strings.Contains(stderr, "--force") {
		t.Fatalf("refusal does not explain: %s", stderr)
	}
	if w := fx.writes(); len(w) > 0 {
		t.Fatalf("refusal must write nothing, wrote %v", w)
	}
}

func TestDryRunClientWritesNothing(t *testing.T) {
	fx := newFixture([]string{"n1", "n2"}, vmi("ok", "n1", kvv1.EvictionStrategyLiveMigrate, corev1.ConditionTrue, ""))
	stdout, stderr, code := fx.run(t, "n1", "--dry-run", "--reason", "disk swap")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `Node n1:
  Will live-migrate (1):
    default/ok  LiveMigrate
  VMs can go to: n2
  Other pods to evict: 0
apiVersion: nodemaintenance.medik8s.io/v1beta1
kind: NodeMaintenance
metadata:
  name: n1-maintenance
spec:
  nodeName: n1
  reason: disk swap
(dry run: nothing was changed)
`
	if stdout != want {
		t.Fatalf("dry run output:\n%s\nwant:\n%s", stdout, want)
	}
	if w := fx.writes(); len(w) > 0 {
		t.Fatalf("dry run wrote %v", w)
	}
}

func TestNoWaitCreatesObject(t *testing.T) {
	fx := newFixture([]string{"n1", "n2"})
	stdout, stderr, code := fx.run(t, "n1", "--yes", "--wait=false", "--name", "custom", "--reason", "r")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasSuffix(stdout, "NodeMaintenance custom created for node n1.\n") {
		t.Fatalf("stdout: %s", stdout)
	}
	got, err := fx.dyn.Resource(nmGVR).Get(context.Background(), "custom", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if spec := got.Object["spec"].(map[string]interface{}); spec["nodeName"] != "n1" || spec["reason"] != "r" {
		t.Fatalf("spec = %v", spec)
	}
}
