package maintenance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

func evacMigration(name, vmi, node string, phase kvv1.VirtualMachineInstanceMigrationPhase, target string, sec int64) *kvv1.VirtualMachineInstanceMigration {
	m := &kvv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: metav1.Unix(sec, 0)},
		Spec:       kvv1.VirtualMachineInstanceMigrationSpec{VMIName: vmi},
		Status:     kvv1.VirtualMachineInstanceMigrationStatus{Phase: phase},
	}
	if node != "" {
		m.Annotations = map[string]string{kvv1.EvacuationMigrationAnnotation: node}
	}
	if target != "" {
		m.Status.MigrationState = &kvv1.VirtualMachineInstanceMigrationState{TargetNode: target}
	}
	return m
}

func TestStopNamesAndCancelsEvacuations(t *testing.T) {
	ctx := context.Background()
	mk := func(name, evacuation string) *kvv1.VirtualMachineInstance {
		v := testVMI(name, nil, corev1.ConditionTrue, "", "")
		v.Status.EvacuationNodeName = evacuation
		return v
	}
	kv := kvfake.NewSimpleClientset(
		mk("vm-running", "node-1"), mk("vm-pending", "node-1"), mk("vm-marked", "node-1"), mk("vm-calm", ""),
		evacMigration("kubevirt-evacuation-aaaaa", "vm-running", "node-1", kvv1.MigrationRunning, "node-2", 10),
		evacMigration("kubevirt-evacuation-bbbbb", "vm-pending", "node-1", kvv1.MigrationPending, "", 20),
		evacMigration("kubevirt-evacuation-old", "vm-pending", "node-1", kvv1.MigrationFailed, "node-3", 5),
		evacMigration("by-hand", "vm-calm", "", kvv1.MigrationPending, "", 30),
	)
	c := Clients{KubeVirt: kv}
	evs, err := Evacuations(ctx, c, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	// pkg/printers' TestRenderEvacuations shows these evacuations and what cancelling did.
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%s marked=%t %+v pending=%v", e.Key(), e.Marked, e.Migrations, e.PendingMigrations()))
	}
	want := `default/vm-marked marked=true [] pending=[]
default/vm-pending marked=true [{Name:kubevirt-evacuation-bbbbb Phase:Pending Target:}] pending=[kubevirt-evacuation-bbbbb]
default/vm-running marked=true [{Name:kubevirt-evacuation-aaaaa Phase:Running Target:node-2}] pending=[]`
	if strings.Join(got, "\n") != want {
		t.Fatalf("evacuations:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}

	var deleted []string
	for _, e := range evs {
		d, err := CancelEvacuation(ctx, c, "node-1", e)
		if err != nil {
			t.Fatal(err)
		}
		deleted = append(deleted, d...)
	}
	if got := strings.Join(deleted, ","); got != "kubevirt-evacuation-bbbbb" {
		t.Errorf("deleted %s; only the pending evacuation migration must go", got)
	}
	for _, name := range []string{"vm-running", "vm-pending", "vm-marked"} {
		v, err := kv.KubevirtV1().VirtualMachineInstances("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil || v.Status.EvacuationNodeName != "" {
			t.Errorf("%s: evacuationNodeName %q (err %v), want cleared", name, v.Status.EvacuationNodeName, err)
		}
	}
	migs, _ := kv.KubevirtV1().VirtualMachineInstanceMigrations("default").List(ctx, metav1.ListOptions{})
	var left []string
	for _, m := range migs.Items {
		left = append(left, m.Name)
	}
	if got := strings.Join(left, ","); got != "by-hand,kubevirt-evacuation-aaaaa,kubevirt-evacuation-old" {
		t.Errorf("migrations left: %s; only the pending evacuation migration must go", got)
	}
	if evs, _ := Evacuations(ctx, c, "node-1"); len(evs) != 1 || evs[0].Name != "vm-running" || evs[0].Marked {
		t.Errorf("after cancelling, only the running migration is left: %+v", evs)
	}
}
