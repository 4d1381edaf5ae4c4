//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// TestMaintenanceStopNamesAndCancelsEvacuations ends a maintenance while KubeVirt still
// evacuates its VMs (10-minute migrations, two at a time from the node, and a third VM whose
// evacuation migration is queued in Pending, as KubeVirt from v1.9 queues them). stop --dry-run
// says what stop would do and changes nothing; stop names the VMs still being evacuated; stop
// --cancel-evacuations clears their marks and deletes the Pending migration, as virtctl
// evacuate-cancel does, and leaves the running migrations to finish.
func TestMaintenanceStopNamesAndCancelsEvacuations(t *testing.T) {
	mtRequireOperator(t)
	t.Parallel()
	vms := []string{"vm-a", "vm-b", "vm-c"}
	env, ns, nodes := mtEstate(t, 3, func(n framework.TestNodes) string {
		m := ""
		for _, name := range vms {
			m += mtVM(name, n, "LiveMigrate", "10m", "")
		}
		return m
	}, vms...)
	n0 := nodes.Names[0]
	ctx := context.Background()
	kv := env.KubeVirt.KubevirtV1()

	if res := env.Run(t, "maintenance", "start", n0, "--wait=false", "--yes"); res.ExitCode != 0 {
		t.Fatalf("start: exit %d\n%s", res.ExitCode, res.Stderr)
	}
	// Two migrations run (parallelOutboundMigrationsPerNode 2); the third VM is marked only.
	running := map[string]virtv1.VirtualMachineInstanceMigration{}
	framework.WaitFor(t, 90*time.Second, "two evacuation migrations Running and every VM marked", func() (bool, error) {
		migs, err := kv.VirtualMachineInstanceMigrations(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		running = map[string]virtv1.VirtualMachineInstanceMigration{}
		for _, m := range migs.Items {
			if m.Status.Phase == virtv1.MigrationRunning && m.Status.MigrationState != nil && m.Status.MigrationState.TargetNode != "" {
				running[m.Spec.VMIName] = m
			}
		}
		for _, name := range vms {
			vmi, err := kv.VirtualMachineInstances(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil || vmi.Status.EvacuationNodeName != n0 {
				return false, err
			}
		}
		return len(running) == 2, nil
	})
	var queued string
	for _, name := range vms {
		if _, ok := running[name]; !ok {
			queued = name
		}
	}
	pending, err := kv.VirtualMachineInstanceMigrations(ns).Create(ctx, &virtv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kubevirt-evacuation-", Annotations: map[string]string{virtv1.EvacuationMigrationAnnotation: n0}},
		Spec:       virtv1.VirtualMachineInstanceMigrationSpec{VMIName: queued},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, 30*time.Second, "the queued migration Pending", func() (bool, error) {
		m, err := kv.VirtualMachineInstanceMigrations(ns).Get(ctx, pending.Name, metav1.GetOptions{})
		return err == nil && m.Status.Phase == virtv1.MigrationPending, err
	})

	// The VMs, sorted, with the state stop reports for each.
	rows := func(cancel, dry bool) string {
		var lines []string
		for _, name := range vms {
			key := ns + "/" + name
			m, isRunning := running[name]
			switch {
			case !cancel && isRunning:
				lines = append(lines, fmt.Sprintf("  %s  migration %s Running to %s", key, m.Name, m.Status.MigrationState.TargetNode))
			case !cancel:
				lines = append(lines, fmt.Sprintf("  %s  migration %s Pending", key, pending.Name))
			case dry && isRunning:
				lines = append(lines, fmt.Sprintf("Would cancel the evacuation of %s: clear its mark; migration %s is Running and finishes.", key, m.Name))
			case dry:
				lines = append(lines, fmt.Sprintf("Would cancel the evacuation of %s: clear its mark; delete pending migration %s.", key, pending.Name))
			case isRunning:
				lines = append(lines, fmt.Sprintf("Cancelled the evacuation of %s: mark cleared; migration %s is Running and finishes.", key, m.Name))
			default:
				lines = append(lines, fmt.Sprintf("Cancelled the evacuation of %s: mark cleared; pending migration %s deleted.", key, pending.Name))
			}
		}
		sort.Strings(lines)
		return strings.Join(lines, "\n") + "\n"
	}
	evacTitle := fmt.Sprintf("VMs still being evacuated off node %[1]s (KubeVirt goes on moving them away; to stop that: oc cnv maintenance stop %[1]s --cancel-evacuations):\n", n0)
	wouldDelete := fmt.Sprintf("Would delete NodeMaintenance %[1]s-maintenance for node %[1]s; the Node Maintenance Operator then uncordons the node and removes its taints.\n", n0)

	state := func() string {
		var b strings.Builder
		for _, name := range vms {
			vmi, _ := kv.VirtualMachineInstances(ns).Get(ctx, name, metav1.GetOptions{})
			fmt.Fprintf(&b, "%s marked=%q; ", name, vmi.Status.EvacuationNodeName)
		}
		migs, _ := kv.VirtualMachineInstanceMigrations(ns).List(ctx, metav1.ListOptions{})
		for _, m := range migs.Items {
			fmt.Fprintf(&b, "%s; ", m.Name)
		}
		node, _ := env.Kube.CoreV1().Nodes().Get(ctx, n0, metav1.GetOptions{})
		fmt.Fprintf(&b, "nm=%d unschedulable=%t", len(mtMaintenances(t, env, n0)), node.Spec.Unschedulable)
		return b.String()
	}
	before := state()

	res := env.Run(t, "maintenance", "stop", n0, "--dry-run")
	if want := wouldDelete + evacTitle + rows(false, false) + "(dry run: nothing was changed)\n"; res.ExitCode != 0 || res.Stdout != want {
		t.Errorf("stop --dry-run: exit %d\n%s\nwant:\n%s\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
	}
	res = env.Run(t, "maintenance", "stop", n0, "--dry-run", "--cancel-evacuations")
	want := wouldDelete + fmt.Sprintf("VMs still being evacuated off node %s:\n", n0) + rows(false, false) + rows(true, true) + "(dry run: nothing was changed)\n"
	if res.ExitCode != 0 || res.Stdout != want {
		t.Errorf("stop --dry-run --cancel-evacuations: exit %d\n%s\nwant:\n%s\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
	}
	if after := state(); after != before {
		t.Fatalf("--dry-run changed the cluster:\nbefore %s\nafter  %s", before, after)
	}

	// A plain stop releases the node and says which VMs KubeVirt goes on moving.
	res = env.Run(t, "maintenance", "stop", n0)
	want = fmt.Sprintf("NodeMaintenance %[1]s-maintenance deleted for node %[1]s.\nNode %[1]s is schedulable again. VMs that moved away during the maintenance stay on their new nodes; they do not move back.\n", n0) +
		evacTitle + rows(false, false)
	if res.ExitCode != 0 || res.Stdout != want {
		t.Fatalf("stop: exit %d\n%s\nwant:\n%s\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
	}

	// The node is out of maintenance; --cancel-evacuations still cancels what is left.
	res = env.Run(t, "maintenance", "stop", n0, "--cancel-evacuations")
	if want := rows(true, false); res.ExitCode != 0 || res.Stdout != want {
		t.Fatalf("stop --cancel-evacuations: exit %d\n%s\nwant:\n%s\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
	}
	for _, name := range vms {
		vmi, err := kv.VirtualMachineInstances(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || vmi.Status.EvacuationNodeName != "" {
			t.Errorf("VMI %s keeps evacuationNodeName %q (err %v)", name, vmi.Status.EvacuationNodeName, err)
		}
	}
	if _, err := kv.VirtualMachineInstanceMigrations(ns).Get(ctx, pending.Name, metav1.GetOptions{}); err == nil {
		t.Errorf("the Pending evacuation migration %s was not deleted", pending.Name)
	}
	for _, m := range running {
		if _, err := kv.VirtualMachineInstanceMigrations(ns).Get(ctx, m.Name, metav1.GetOptions{}); err != nil {
			t.Errorf("the running migration %s must be left to finish: %v", m.Name, err)
		}
	}
}
