package maintenance_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/drainmethod"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/follow"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/maintenancetest"
)

// The internal tests' fixtures (export_test.go), under their names there.
var (
	testAPI          = maintenance.FixtureAPI
	pod              = maintenance.FixturePod
	evacMigration    = maintenance.FixtureEvacMigration
	inventoryFixture = maintenance.FixtureInventory
	testVMI          = maintenancetest.VMI
)

// requestRecorder collects every request the fakes receive as verb group/resource/subresource.
type requestRecorder struct {
	mu   sync.Mutex
	seen map[maintenance.AccessCheck]bool
}

func (r *requestRecorder) record(a k8stesting.Action) (bool, runtime.Object, error) {
	gvr := a.GetResource()
	// Discovery requests carry no resource; every authenticated user may make them.
	if gvr.Resource == "" || gvr.Resource == "resource" || gvr.Resource == "version" || gvr.Resource == "group" {
		return false, nil, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[maintenance.AccessCheck{Verb: a.GetVerb(), Group: gvr.Group, Resource: gvr.Resource, Subresource: a.GetSubresource()}] = true
	return false, nil, nil
}

func (r *requestRecorder) recordWatch(a k8stesting.Action) (bool, watch.Interface, error) {
	_, _, _ = r.record(a)
	return false, nil, nil
}

// inTable tells whether Requests lists the recorded request.
func inTable(got maintenance.AccessCheck) bool {
	for _, r := range maintenance.Requests {
		group, resource := r.Group, r.Resource
		if r.NodeMaintenance {
			group, resource = testAPI.GVR.Group, testAPI.GVR.Resource
		}
		if r.Verb == got.Verb && group == got.Group && resource == got.Resource && r.Subresource == got.Subresource {
			return true
		}
	}
	return false
}

// TestEveryRequestIsInTheAccessTable runs the maintenance operations against fakes that record
// every request and fails on any request the table (and so preflight's checks) does not know.
func TestEveryRequestIsInTheAccessTable(t *testing.T) {
	ctx := context.Background()
	ready := corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}
	node := func(name string) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{maintenance.LabelSchedulable: "true"}}, Status: ready}
	}
	kube := kubefake.NewSimpleClientset(node("n1"), node("n2"), node("n3"),
		pod("default", "web-1", "n2", nil))
	kube.Resources = []*metav1.APIResourceList{
		{GroupVersion: "policy/v1"},
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods/eviction", Kind: "Eviction", Group: "policy", Version: "v1"}}},
		{GroupVersion: "kubevirt.io/v1", APIResources: []metav1.APIResource{{Name: "virtualmachineinstances", Kind: "VirtualMachineInstance", Namespaced: true}}},
	}
	kube.PrependReactor("create", "selfsubjectaccessreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &authv1.SelfSubjectAccessReview{Status: authv1.SubjectAccessReviewStatus{Allowed: true}}, nil
	})
	// The fake has no eviction API: an accepted eviction deletes the pod, as the API server does.
	kube.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "eviction" {
			return false, nil, nil
		}
		ca := a.(k8stesting.CreateAction)
		name := ca.GetObject().(interface{ GetName() string }).GetName()
		return true, nil, kube.Tracker().Delete(schema.GroupVersionResource{Version: "v1", Resource: "pods"}, a.GetNamespace(), name)
	})
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"})
	marked := testVMI("vm-a", nil, corev1.ConditionTrue, "", "")
	marked.Labels[kvv1.NodeNameLabel] = "n1"
	marked.Status.EvacuationNodeName = "n1"
	kv := kvfake.NewSimpleClientset(marked, evacMigration("kubevirt-evacuation-x", "vm-a", "n1", kvv1.MigrationPending, "", 1))

	rec := &requestRecorder{seen: map[maintenance.AccessCheck]bool{}}
	for _, f := range []interface {
		PrependReactor(string, string, k8stesting.ReactionFunc)
		PrependWatchReactor(string, k8stesting.WatchReactionFunc)
	}{kube, dyn, kv} {
		f.PrependReactor("*", "*", rec.record)
		f.PrependWatchReactor("*", func(a k8stesting.Action) (bool, watch.Interface, error) { return rec.recordWatch(a) })
	}
	c := maintenance.Clients{Kube: kube, Dynamic: dyn, Discovery: kube.Discovery(), KubeVirt: kv}
	api := testAPI
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// start, several nodes, operator method.
	pre, err := maintenance.Preflight(ctx, c, &api, maintenance.MethodOperator, []string{"n1", "n2"})
	must("preflight", err)
	def, err := maintenance.ClusterEvictionStrategy(ctx, kv)
	must("cluster default", err)
	plan, err := maintenance.BuildPlan(ctx, c, "n1", def)
	must("plan", err)
	plan.SetDestinations(pre.Left)
	_, err = maintenance.CordonForRequest(ctx, c, "n1", time.Now())
	must("cordon n1", err)
	_, err = maintenance.CordonForRequest(ctx, c, "n2", time.Now())
	must("cordon n2", err)
	_, err = maintenance.Create(ctx, c, api, "n1-maintenance", "n1", "r", false)
	must("create", err)
	must("hand over", maintenance.HandOverRequestCordon(ctx, c, "n1"))
	_, _, err = maintenance.FindForNode(ctx, c, api, "n2")
	must("find", err)
	_, err = maintenance.ReleaseRequestCordon(ctx, c, "n2")
	must("release", err)
	followCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_ = (&follow.Follower{Clients: c, API: api, Node: "n1", Name: "n1-maintenance"}).Wait(followCtx)
	cancel()

	// start --method=drain.
	_, err = maintenance.Preflight(ctx, c, nil, maintenance.MethodDrain, []string{"n2"})
	must("preflight drain", err)
	must("mark", drainmethod.MarkNode(ctx, c, "n2", "r", time.Now()))
	status := make(chan maintenance.NodeMaintenance, 100)
	must("drain", drainmethod.DrainNode(ctx, c, "n2", status))

	// list, describe, stop.
	_, err = maintenance.Describe(ctx, c, &api, "n1")
	must("describe", err)
	inv, err := c.Inventory(ctx, &api)
	must("inventory", err)
	must("delete", maintenance.DeleteMaintenance(ctx, c, api, inv.Objects[0]))
	goneCtx, cancel := context.WithTimeout(ctx, time.Second)
	must("gone", maintenance.WaitMaintenanceGone(goneCtx, c, api, "n1-maintenance", "n1"))
	cancel()
	must("unmark", drainmethod.UnmarkNode(ctx, c, "n2"))
	releasedCtx, cancel := context.WithTimeout(ctx, time.Second)
	must("released", maintenance.WaitNodeReleased(releasedCtx, c, "n2"))
	cancel()
	_ = follow.WaitComebacks(ctx, kv, "n1", []follow.VMProgress{{Namespace: "default", Name: "vm-a", State: follow.VMShutDown, OwnedByVM: true}})
	evs, err := maintenance.Evacuations(ctx, c, "n1")
	must("evacuations", err)
	for _, e := range evs {
		_, err := maintenance.CancelEvacuation(ctx, c, "n1", e)
		must("cancel evacuation", err)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	var missing, all []string
	for a := range rec.seen {
		s := a.Verb + " " + a.Display()
		all = append(all, s)
		if !inTable(a) {
			missing = append(missing, s)
		}
	}
	sort.Strings(missing)
	sort.Strings(all)
	if len(missing) > 0 {
		t.Fatalf("requests missing from Requests (preflight would not check them):\n  %s\nall recorded:\n  %s", strings.Join(missing, "\n  "), strings.Join(all, "\n  "))
	}
	for _, want := range []string{"patch nodes", "create pods/eviction", "patch virtualmachineinstances.kubevirt.io", "delete virtualmachineinstancemigrations.kubevirt.io", "create nodemaintenances.nodemaintenance.medik8s.io", "delete nodemaintenances.nodemaintenance.medik8s.io"} {
		found := false
		for _, s := range all {
			found = found || s == want
		}
		if !found {
			t.Errorf("the operations made no %q request; the test no longer covers it", want)
		}
	}
}

func TestWriteChecksFollowTheTable(t *testing.T) {
	api := testAPI
	got := func(ops ...maintenance.Op) string {
		var s []string
		for _, ch := range maintenance.WriteChecks(&api, ops...) {
			s = append(s, ch.Verb+" "+ch.Display())
		}
		return strings.Join(s, ", ")
	}
	for _, tc := range []struct {
		ops  []maintenance.Op
		want string
	}{
		{[]maintenance.Op{maintenance.OpStartOperator}, "create nodemaintenances.nodemaintenance.medik8s.io"},
		{[]maintenance.Op{maintenance.OpStartOperator, maintenance.OpCordonRequest}, "patch nodes, create nodemaintenances.nodemaintenance.medik8s.io"},
		{[]maintenance.Op{maintenance.OpStartDrain}, "patch nodes, create pods/eviction"},
		{[]maintenance.Op{maintenance.OpStop}, "delete nodemaintenances.nodemaintenance.medik8s.io"},
		{[]maintenance.Op{maintenance.OpCancelEvacuations}, "patch virtualmachineinstances.kubevirt.io, delete virtualmachineinstancemigrations.kubevirt.io"},
	} {
		if g := got(tc.ops...); g != tc.want {
			t.Errorf("%v: %s, want %s", tc.ops, g, tc.want)
		}
	}
}
