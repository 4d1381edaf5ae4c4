package maintenance

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

// describe finds the target pod the scheduler cannot place and shows its reason, in a section
// of its own that appears only then.
func TestDescribeShowsUnschedulableMigrations(t *testing.T) {
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
	vmi := testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", "")
	mig := queueTestMigration("kubevirt-evacuation-aaaaa", "vm-a", kvv1.MigrationScheduling, "", t0)
	mig.UID = "mig-a"
	placed := unschedulableTargetPod("other-migration")
	placed.Name = "virt-launcher-vm-z-placed"
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, NewObject(testAPI, "node-1-maintenance", "node-1", "r"))
	api := testAPI
	d, err := Describe(ctx, Clients{Kube: kubefake.NewSimpleClientset(node, unschedulableTargetPod("mig-a"), placed), Dynamic: dyn, KubeVirt: kvfake.NewSimpleClientset(vmi, mig)}, &api, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	// pkg/printers' TestRenderMaintenanceDescriptionUnschedulable shows this migration.
	if len(d.Migrations) != 1 || len(d.Events) != 0 {
		t.Fatalf("migrations %+v, events %+v; want one migration, no events", d.Migrations, d.Events)
	}
	m := d.Migrations[0]
	got := fmt.Sprintf("%s/%s vmi %s phase %s target %q created %s target pod %s: %s", m.Namespace, m.Name, m.VMI, m.Phase, m.Target, m.Created.Sub(t0), m.TargetPod, m.Unschedulable)
	if want := "default/kubevirt-evacuation-aaaaa vmi vm-a phase Scheduling target \"\" created 0s target pod virt-launcher-vm-a-target: " + schedulerSays; got != want {
		t.Errorf("migration:\n%s\nwant:\n%s", got, want)
	}
}
