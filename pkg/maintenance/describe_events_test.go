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

func event(ns, name, rv, kind, obj, reason, msg string, at time.Time) *corev1.Event {
	return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: rv},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: ns, Name: obj},
		Type:           corev1.EventTypeNormal, Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(at)}
}

// describe shows how the VMs left the node: the events of the migrations from it and the
// migration events of their VMs, beside the node's and the NodeMaintenance's own.
func TestDescribeShowsTheVMsMigrationEvents(t *testing.T) {
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
	mig := evacMigration("kubevirt-evacuation-aaaaa", "vm-a", "node-1", kvv1.MigrationSucceeded, "node-2", 1)
	mig.Status.MigrationState.SourceNode = "node-1"
	other := evacMigration("elsewhere", "vm-b", "node-3", kvv1.MigrationSucceeded, "node-2", 1)
	at := t0.Add(-time.Minute)
	kube := kubefake.NewSimpleClientset(node,
		event("default", "e1", "10", "Node", "node-1", "RegisteredNode", "Node node-1 event: Registered Node node-1 in Controller", at.Add(-time.Hour)),
		event("default", "e2", "21", "VirtualMachineInstance", "vm-a", "SuccessfulCreate", "Created Migration kubevirt-evacuation-aaaaa", at),
		event("default", "e3", "22", "VirtualMachineInstanceMigration", "kubevirt-evacuation-aaaaa", "SuccessfulCreate", "Created migration target pod virt-launcher-vm-a-xyz", at),
		event("default", "e4", "23", "VirtualMachineInstanceMigration", "kubevirt-evacuation-aaaaa", "SuccessfulHandOver", "Migration target pod is ready for preparation by virt-handler.", at),
		event("default", "e6", "31", "VirtualMachineInstanceMigration", "kubevirt-evacuation-aaaaa", "SuccessfulMigration", "Source node reported migration succeeded", at.Add(2*time.Second)),
		event("default", "e5", "30", "VirtualMachineInstance", "vm-a", "Migrated", "The VirtualMachineInstance migrated to node node-2.", at.Add(2*time.Second)),
		event("default", "e7", "40", "VirtualMachineInstance", "vm-a", "Started", "VirtualMachineInstance started.", at),
		event("default", "e8", "41", "VirtualMachineInstanceMigration", "elsewhere", "SuccessfulMigration", "Source node reported migration succeeded", at),
	)
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{testAPI.GVR: "NodeMaintenanceList"}, NewObject(testAPI, "node-1-maintenance", "node-1", "r"))
	kv := kvfake.NewSimpleClientset(mig, other)
	api := testAPI
	d, err := Describe(ctx, Clients{Kube: kube, Dynamic: dyn, KubeVirt: kv}, &api, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	// pkg/printers' TestRenderMaintenanceDescriptionEvents shows these events.
	var got []string
	for _, e := range d.Events {
		got = append(got, fmt.Sprintf("%s %s %s/%s %s: %s", e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, EventTime(e).Sub(t0), e.Message))
	}
	want := `Normal RegisteredNode Node/node-1 -1h1m0s: Node node-1 event: Registered Node node-1 in Controller
Normal SuccessfulCreate VirtualMachineInstance/vm-a -1m0s: Created Migration kubevirt-evacuation-aaaaa
Normal SuccessfulCreate VirtualMachineInstanceMigration/kubevirt-evacuation-aaaaa -1m0s: Created migration target pod virt-launcher-vm-a-xyz
Normal SuccessfulHandOver VirtualMachineInstanceMigration/kubevirt-evacuation-aaaaa -1m0s: Migration target pod is ready for preparation by virt-handler.
Normal Migrated VirtualMachineInstance/vm-a -58s: The VirtualMachineInstance migrated to node node-2.
Normal SuccessfulMigration VirtualMachineInstanceMigration/kubevirt-evacuation-aaaaa -58s: Source node reported migration succeeded`
	if strings.Join(got, "\n") != want {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
