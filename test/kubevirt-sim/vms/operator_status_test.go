package vms

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	virtv1 "kubevirt.io/api/core/v1"
)

// The simulator reports the deployed version on the KubeVirt CR as virt-operator does; the
// knob annotation plays another release.
func TestOperatorStatusReportsVersion(t *testing.T) {
	f := newFakeCluster(t, 0)
	f.s.opts.KubeVirtVersion = "v1.6.0"
	kv := &virtv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Name: "kv", Namespace: "openshift-cnv", Generation: 3}}
	if _, err := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Create(f.ctx, kv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(want string) {
		t.Helper()
		waitCached(t, f, func() bool { return len(f.s.kvs.GetStore().List()) == 1 })
		if err := syncOperatorStatus(f.ctx, f.s, "openshift-cnv/kv"); err != nil {
			t.Fatal(err)
		}
		got, err := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Get(f.ctx, "kv", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st := got.Status
		if st.Phase != virtv1.KubeVirtPhaseDeployed || st.ObservedKubeVirtVersion != want || st.TargetKubeVirtVersion != want ||
			st.ObservedKubeVirtRegistry != "quay.io/kubevirt" || st.OperatorVersion != want || len(st.Conditions) != 4 {
			t.Errorf("status %+v, want version %s deployed", st, want)
		}
	}
	check("v1.6.0")
	cur, _ := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Get(f.ctx, "kv", metav1.GetOptions{})
	cur.Annotations = map[string]string{annotationKubeVirtVersion: "v1.9.0"}
	if _, err := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Update(f.ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCached(t, f, func() bool {
		c := cached[virtv1.KubeVirt](f.s.kvs, "openshift-cnv/kv")
		return c != nil && c.Annotations[annotationKubeVirtVersion] == "v1.9.0"
	})
	check("v1.9.0")
	// The simulator's own version-dependent behaviour follows the status.
	waitCached(t, f, func() bool { return f.s.config().Version == "v1.9.0" })
}

// waitCached waits until the simulator's caches satisfy cond.
func waitCached(t *testing.T, f *fakeCluster, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(f.ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	}); err != nil {
		t.Fatalf("the simulator's caches did not catch up: %v", err)
	}
}
