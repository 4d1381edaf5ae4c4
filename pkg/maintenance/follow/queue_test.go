package follow

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kvv1 "kubevirt.io/api/core/v1"
)

// queueFollowState is a follower's state with the node's VMIs vm-a..vm-d on node-1.
func queueFollowState(migs ...*kvv1.VirtualMachineInstanceMigration) *followState {
	st := &followState{f: &Follower{Node: "node-1", Now: func() time.Time { return t0 }}, vmis: map[string]*trackedVMI{},
		migs: map[string]*kvv1.VirtualMachineInstanceMigration{}, started: t0}
	for _, n := range []string{"vm-a", "vm-b", "vm-c", "vm-d"} {
		st.setVMI(testVMI(n, strategy(kvv1.EvictionStrategyLiveMigrate), corev1.ConditionTrue, "", ""), true)
	}
	for _, m := range migs {
		st.migs[m.Namespace+"/"+m.Name] = m
	}
	return st
}

// vmStates sums up each VM of the snapshot as the progress display of pkg/printers uses it:
// state, migration phase, place in the queue, route and when it started moving.
func vmStates(s Snapshot) string {
	var out []string
	for _, v := range s.VMs {
		started := "-"
		if !v.Started.IsZero() {
			started = v.Started.Sub(t0).String()
		}
		out = append(out, fmt.Sprintf("%s %s %q %d/%d %s→%s %s", v.Key(), v.State, v.MigrationPhase, v.QueuePos, v.QueueLen, v.Source, v.Target, started))
	}
	return strings.Join(out, "\n")
}

// KubeVirt v1.9 creates every evacuation migration at once and queues those over the limits in
// Pending: the snapshot gives each one's place in the queue, in the order KubeVirt starts them
// (priority, then age). pkg/printers' test of the same name shows these snapshots.
func TestProgressShowsQueuedMigrations(t *testing.T) {
	crit := kvv1.PrioritySystemCritical
	st := queueFollowState(
		queueTestMigration("m-a", "vm-a", kvv1.MigrationRunning, crit, t0),
		queueTestMigration("m-b", "vm-b", kvv1.MigrationPending, crit, t0.Add(2*time.Second)),
		queueTestMigration("m-c", "vm-c", kvv1.MigrationPending, crit, t0.Add(time.Second)),
		// Oldest, but no priority (a user's migration): after the evacuations.
		queueTestMigration("m-d", "vm-d", kvv1.MigrationPending, "", t0.Add(-time.Second)),
	)
	first := st.snapshot(false)
	want := `default/vm-a Migrating "Running" 0/0 node-1→ 0s
default/vm-b Queued "Pending" 2/3 node-1→ 2s
default/vm-c Queued "Pending" 1/3 node-1→ 1s
default/vm-d Queued "Pending" 3/3 node-1→ -1s`
	if got := vmStates(first); got != want {
		t.Errorf("VMs:\n%s\nwant:\n%s", got, want)
	}

	// vm-c's turn: the others move up.
	st.migs["default/m-c"] = queueTestMigration("m-c", "vm-c", kvv1.MigrationScheduling, crit, t0.Add(time.Second))
	next := st.snapshot(false)
	want = `default/vm-a Migrating "Running" 0/0 node-1→ 0s
default/vm-b Queued "Pending" 1/2 node-1→ 2s
default/vm-c Migrating "Scheduling" 0/0 node-1→ 1s
default/vm-d Queued "Pending" 2/2 node-1→ -1s`
	if got := vmStates(next); got != want {
		t.Errorf("VMs after vm-c started:\n%s\nwant:\n%s", got, want)
	}

	// An error that ends the wait names each VM's place.
	err := (&TimeoutError{Snapshot: next, Timeout: time.Minute}).Error()
	for _, want := range []string{"\n  VM default/vm-b: migration queued (1 of 2)", "\n  VM default/vm-c: Migrating (migration Scheduling)"} {
		if !strings.Contains(err, want) {
			t.Errorf("timeout error lacks %q:\n%s", want, err)
		}
	}
}

// Up to KubeVirt v1.8 migrations are created as slots free up: the VMs without one wait, and
// one just created is first in a queue of one.
func TestProgressWithMigrationsCreatedAsSlotsFree(t *testing.T) {
	st := queueFollowState(
		queueTestMigration("m-a", "vm-a", kvv1.MigrationRunning, "", t0),
		queueTestMigration("m-b", "vm-b", kvv1.MigrationPending, "", t0.Add(9*time.Second)),
	)
	want := `default/vm-a Migrating "Running" 0/0 node-1→ 0s
default/vm-b Queued "Pending" 1/1 node-1→ 9s
default/vm-c Waiting "" 0/0 node-1→ -
default/vm-d Waiting "" 0/0 node-1→ -`
	if got := vmStates(st.snapshot(false)); got != want {
		t.Errorf("VMs:\n%s\nwant:\n%s", got, want)
	}
}
