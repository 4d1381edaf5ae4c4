package printers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

func TestRenderMaintenanceDescription(t *testing.T) {
	d := &maintenance.Description{
		API:    "nodemaintenances.nodemaintenance.medik8s.io/v1beta1",
		Method: maintenance.MethodOperator,
		Maintenance: maintenance.NodeMaintenance{Name: "node-1-maintenance", NodeName: "node-1", Reason: "DIMM", CreationTimestamp: t0,
			Phase: "Running", DrainProgress: 50, DrainKnown: true, PodCountsKnown: true, EvictionPods: 2, TotalPods: 3, PendingPods: []string{"default/virt-launcher-rwo-abcde"},
			LastError: "error when evicting pods/\"virt-launcher-rwo-abcde\" -n \"default\": too many requests", LastUpdate: t0.Add(time.Minute)},
		Node: &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
			Spec: corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{
				{Key: maintenance.TaintDrain, Effect: corev1.TaintEffectNoSchedule},
				{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule},
			}},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
		},
		VMIs: []maintenance.DescribedVMI{
			{Impact: maintenance.Classify(testVMI("rwo", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionFalse, "DisksNotLiveMigratable", "x"), nil)},
			{Impact: maintenance.Classify(testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil),
				MigrationState: &kvv1.VirtualMachineInstanceMigrationState{TargetNode: "node-2"}},
		},
		Migrations: []maintenance.DescribedMigration{{Namespace: "default", Name: "evacuation-x", VMI: "vm-a", Phase: "Running", Target: "node-2", Created: metav1.NewTime(t0.Add(time.Minute))}},
		Events: []corev1.Event{{Type: "Normal", Reason: "BeginMaintenance", Message: "Begin a node maintenance",
			InvolvedObject: corev1.ObjectReference{Kind: "NodeMaintenance", Name: "node-1-maintenance"}, LastTimestamp: metav1.NewTime(t0)}},
	}
	var b bytes.Buffer
	if err := RenderMaintenanceDescription(&b, d, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := `Name:     node-1-maintenance
API:      nodemaintenances.nodemaintenance.medik8s.io/v1beta1
Node:     node-1
Reason:   DIMM
Started:  2026-11-25T12:00:00Z (2m ago)
Status:
  Phase:           Running
  Drain Progress:  50%
  Pods Evicted:    1 of 2 (3 on the node at start)
  Pending Pods:    default/virt-launcher-rwo-abcde
  Last Error:      error when evicting pods/"virt-launcher-rwo-abcde" -n "default": too many requests
  Last Update:     2026-11-25T12:01:00Z
Node Status:
  Unschedulable:  true
  Taints:         medik8s.io/drain:NoSchedule
                  node.kubernetes.io/unschedulable:NoSchedule
  Conditions:     Ready=True
VMs on the node:
  NAME          PHASE    STRATEGY     MIGRATABLE                      MIGRATION  DRAIN OUTCOME
  default/rwo   Running  LiveMigrate  False (DisksNotLiveMigratable)  <none>     blocks the drain
  default/vm-a  Running  LiveMigrate  True                            to node-2  live-migrate
Migrations in flight:
  NAME                  VMI   PHASE    TARGET  AGE
  default/evacuation-x  vm-a  Running  node-2  60s
Events:
  TYPE    REASON            AGE  OBJECT                              MESSAGE
  Normal  BeginMaintenance  2m   NodeMaintenance/node-1-maintenance  Begin a node maintenance
`
	if b.String() != want {
		t.Fatalf("describe:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A node oc-cnv drained itself has no NodeMaintenance: no name, no API, no eviction counts; the
// pods still on it that a drain evicts are listed, with the last refusal the drain recorded.
func TestRenderMaintenanceDescriptionOfDrainMethod(t *testing.T) {
	refusal := `error when evicting pods/"virt-launcher-rwo-abcde" -n "default" (will retry after 5s): admission webhook "virt-launcher-eviction-interceptor.kubevirt.io" denied the request: VMI rwo is configured with an eviction strategy but is not live-migratable`
	for _, tc := range []struct {
		name, lastError string
		at              time.Time
		want            string
	}{
		{"nothing recorded", "", time.Time{}, "  Last Error:      <none>\n"},
		{"a refusal recorded", refusal + "\nsecond line", t0.Add(90 * time.Second),
			"  Last Error:      " + refusal + "\n  Last Update:     2026-11-25T12:01:30Z\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &maintenance.Description{
				Method: maintenance.MethodDrain,
				Maintenance: maintenance.NodeMaintenance{NodeName: "node-1", Reason: "DIMM", CreationTimestamp: t0, Phase: "Running", DrainProgress: 0,
					PendingPods: []string{"default/virt-launcher-rwo-abcde", "default/web-1"}, LastError: tc.lastError, LastUpdate: tc.at},
			}
			var b bytes.Buffer
			if err := RenderMaintenanceDescription(&b, d, t0.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			want := `Name:     <none> (drained by oc-cnv --method=drain)
Node:     node-1
Reason:   DIMM
Started:  2026-11-25T12:00:00Z (2m ago)
Status:
  Phase:           Running
  Drain Progress:  <unknown>
  Pending Pods:    default/virt-launcher-rwo-abcde
                   default/web-1
` + tc.want
			if got := b.String(); !strings.HasPrefix(got, want) || strings.Contains(got, "Pods Evicted") {
				t.Fatalf("describe:\n%s\nwant it to start with:\n%s", got, want)
			}
		})
	}
}

func TestRenderMaintenanceDescriptionQueuedMigrations(t *testing.T) {
	d := &maintenance.Description{
		Method:      maintenance.MethodDrain,
		Maintenance: maintenance.NodeMaintenance{NodeName: "node-1", Phase: "Running", CreationTimestamp: t0},
		VMIs: []maintenance.DescribedVMI{
			{Impact: maintenance.Classify(testVMI("vm-a", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil),
				MigrationState: &kvv1.VirtualMachineInstanceMigrationState{TargetNode: "node-2"}},
			{Impact: maintenance.Classify(testVMI("vm-b", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil), QueuePos: 2, QueueLen: 2},
			{Impact: maintenance.Classify(testVMI("vm-c", strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), nil), QueuePos: 1, QueueLen: 2},
		},
		Migrations: []maintenance.DescribedMigration{
			{Namespace: "default", Name: "kubevirt-evacuation-aaaaa", VMI: "vm-a", Phase: "Running", Target: "node-2", Created: metav1.NewTime(t0)},
			{Namespace: "default", Name: "kubevirt-evacuation-ccccc", VMI: "vm-c", Phase: "Pending", Created: metav1.NewTime(t0), QueuePos: 1, QueueLen: 2},
			{Namespace: "default", Name: "kubevirt-evacuation-bbbbb", VMI: "vm-b", Phase: "Pending", Created: metav1.NewTime(t0), QueuePos: 2, QueueLen: 2},
		},
	}
	var b bytes.Buffer
	if err := RenderMaintenanceDescription(&b, d, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	got = got[strings.Index(got, "VMs on the node:"):]
	want := `VMs on the node:
  NAME          PHASE    STRATEGY     MIGRATABLE  MIGRATION        DRAIN OUTCOME
  default/vm-a  Running  LiveMigrate  True        to node-2        live-migrate
  default/vm-b  Running  LiveMigrate  True        queued (2 of 2)  live-migrate
  default/vm-c  Running  LiveMigrate  True        queued (1 of 2)  live-migrate
Migrations in flight:
  NAME                               VMI   PHASE            TARGET  AGE
  default/kubevirt-evacuation-aaaaa  vm-a  Running          node-2  60s
  default/kubevirt-evacuation-ccccc  vm-c  queued (1 of 2)  <none>  60s
  default/kubevirt-evacuation-bbbbb  vm-b  queued (2 of 2)  <none>  60s
Events: <none>
`
	if got != want {
		t.Errorf("description:\n%s\nwant:\n%s", got, want)
	}
}

// describe shows how the VMs left the node: the events of the migrations from it and the
// migration events of their VMs, beside the node's and the NodeMaintenance's own, oldest first
// as pkg/maintenance's TestDescribeShowsTheVMsMigrationEvents gathers them.
func TestRenderMaintenanceDescriptionEvents(t *testing.T) {
	at := t0.Add(-time.Minute)
	event := func(kind, obj, reason, msg string, at time.Time) corev1.Event {
		return corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: "default", Name: obj},
			Type: corev1.EventTypeNormal, Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(at)}
	}
	d := &maintenance.Description{Maintenance: maintenance.NodeMaintenance{Name: "node-1-maintenance", NodeName: "node-1"}, Events: []corev1.Event{
		event("Node", "node-1", "RegisteredNode", "Node node-1 event: Registered Node node-1 in Controller", at.Add(-time.Hour)),
		event("VirtualMachineInstance", "vm-a", "SuccessfulCreate", "Created Migration kubevirt-evacuation-aaaaa", at),
		event("VirtualMachineInstanceMigration", "kubevirt-evacuation-aaaaa", "SuccessfulCreate", "Created migration target pod virt-launcher-vm-a-xyz", at),
		event("VirtualMachineInstanceMigration", "kubevirt-evacuation-aaaaa", "SuccessfulHandOver", "Migration target pod is ready for preparation by virt-handler.", at),
		event("VirtualMachineInstance", "vm-a", "Migrated", "The VirtualMachineInstance migrated to node node-2.", at.Add(2*time.Second)),
		event("VirtualMachineInstanceMigration", "kubevirt-evacuation-aaaaa", "SuccessfulMigration", "Source node reported migration succeeded", at.Add(2*time.Second)),
	}}
	var b bytes.Buffer
	if err := RenderMaintenanceDescription(&b, d, t0); err != nil {
		t.Fatal(err)
	}
	got := b.String()[strings.Index(b.String(), "Events:"):]
	want := `Events:
  TYPE    REASON               AGE  OBJECT                                                     MESSAGE
  Normal  RegisteredNode       61m  Node/node-1                                                Node node-1 event: Registered Node node-1 in Controller
  Normal  SuccessfulCreate     60s  VirtualMachineInstance/vm-a                                Created Migration kubevirt-evacuation-aaaaa
  Normal  SuccessfulCreate     60s  VirtualMachineInstanceMigration/kubevirt-evacuation-aaaaa  Created migration target pod virt-launcher-vm-a-xyz
  Normal  SuccessfulHandOver   60s  VirtualMachineInstanceMigration/kubevirt-evacuation-aaaaa  Migration target pod is ready for preparation by virt-handler.
  Normal  Migrated             58s  VirtualMachineInstance/vm-a                                The VirtualMachineInstance migrated to node node-2.
  Normal  SuccessfulMigration  58s  VirtualMachineInstanceMigration/kubevirt-evacuation-aaaaa  Source node reported migration succeeded
`
	if got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
}

// A target pod the scheduler cannot place is shown with its reason, in a section of its own
// that appears only then (pkg/maintenance's TestDescribeShowsUnschedulableMigrations finds it).
func TestRenderMaintenanceDescriptionUnschedulable(t *testing.T) {
	const schedulerSays = "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable."
	d := &maintenance.Description{
		Maintenance: maintenance.NodeMaintenance{Name: "node-1-maintenance", NodeName: "node-1"},
		Migrations: []maintenance.DescribedMigration{{Namespace: "default", Name: "kubevirt-evacuation-aaaaa", VMI: "vm-a", Phase: "Scheduling",
			Created: metav1.NewTime(t0), TargetPod: "virt-launcher-vm-a-target", Unschedulable: schedulerSays}},
	}
	var b bytes.Buffer
	if err := RenderMaintenanceDescription(&b, d, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	got = got[strings.Index(got, "Migrations in flight:"):]
	want := `Migrations in flight:
  NAME                               VMI   PHASE       TARGET  AGE
  default/kubevirt-evacuation-aaaaa  vm-a  Scheduling  <none>  60s
Unschedulable migrations:
  NAME                               TARGET POD                 SCHEDULER
  default/kubevirt-evacuation-aaaaa  virt-launcher-vm-a-target  ` + schedulerSays + `
Events: <none>
`
	if got != want {
		t.Errorf("description:\n%s\nwant:\n%s", got, want)
	}
}
