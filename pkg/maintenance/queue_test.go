package maintenance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

// describe finds each queued migration's place among the node's, whatever order the API lists
// them in, and lists the moving ones first.
func TestDescribeNumbersQueuedMigrations(t *testing.T) {
	ctx := context.Background()
	crit := kvv1.PrioritySystemCritical
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
	var objs []runtime.Object
	for _, n := range []string{"vm-a", "vm-b", "vm-c"} {
		objs = append(objs, testVMI(n, strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""))
	}
	objs = append(objs,
		queueTestMigration("kubevirt-evacuation-aaaaa", "vm-a", kvv1.MigrationRunning, crit, t0),
		queueTestMigration("kubevirt-evacuation-bbbbb", "vm-b", kvv1.MigrationPending, crit, t0.Add(2*time.Second)),
		queueTestMigration("kubevirt-evacuation-ccccc", "vm-c", kvv1.MigrationPending, crit, t0.Add(time.Second)))
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, NewObject(testAPI, "node-1-maintenance", "node-1", "r"))
	api := testAPI
	d, err := Describe(ctx, Clients{Kube: kubefake.NewSimpleClientset(node), Dynamic: dyn, KubeVirt: kvfake.NewSimpleClientset(objs...)}, &api, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range d.Migrations {
		got = append(got, fmt.Sprintf("%s %d/%d", m.Name, m.QueuePos, m.QueueLen))
	}
	for _, v := range d.VMIs {
		got = append(got, fmt.Sprintf("%s %d/%d", v.Impact.Name, v.QueuePos, v.QueueLen))
	}
	want := "kubevirt-evacuation-aaaaa 0/0, kubevirt-evacuation-ccccc 1/2, kubevirt-evacuation-bbbbb 2/2, vm-a 0/0, vm-b 2/2, vm-c 1/2"
	if strings.Join(got, ", ") != want {
		t.Errorf("queue:\n%s\nwant:\n%s", strings.Join(got, ", "), want)
	}
}
