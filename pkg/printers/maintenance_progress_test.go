package printers

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/follow"
)

func TestChangeLinesAndBlock(t *testing.T) {
	start := follow.Snapshot{Node: "node-1", Phase: "Running", DrainKnown: true, PodCountsKnown: true, EvictionPods: 2, PendingPods: []string{"a", "b"}, Started: t0,
		VMs: []follow.VMProgress{{Namespace: "default", Name: "vm-a", State: follow.VMWaiting, Source: "node-1"}}}
	lines := ProgressChangeLines(follow.Snapshot{}, false, start)
	want := []string{"node-1: Running, drain 0%, 0/2 pods evicted", "node-1: VM default/vm-a Waiting"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("first lines:\n%s", strings.Join(lines, "\n"))
	}
	next := start
	next.DrainProgress = 50
	next.PendingPods = []string{"b"}
	next.VMs = []follow.VMProgress{{Namespace: "default", Name: "vm-a", State: follow.VMMigrated, Source: "node-1", Target: "node-2",
		Started: t0.Add(time.Second), Finished: t0.Add(5 * time.Second)}}
	lines = ProgressChangeLines(start, true, next)
	want = []string{"node-1: Running, drain 50%, 1/2 pods evicted", "node-1: VM default/vm-a Migrated node-1 → node-2 in 4s"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("change lines:\n%s", strings.Join(lines, "\n"))
	}
	if lines := ProgressChangeLines(next, true, next); len(lines) != 0 {
		t.Fatalf("no change must print nothing, got %q", lines)
	}

	var b bytes.Buffer
	running := next
	running.VMs = append(running.VMs, follow.VMProgress{Namespace: "default", Name: "vm-b", State: follow.VMMigrating, MigrationPhase: "Running",
		Source: "node-1", Target: "node-3", Started: t0.Add(10 * time.Second)})
	RenderProgressBlock(&b, running, t0.Add(72*time.Second))
	wantBlock := `node-1  Running  drain 50%  pods 1/2  1m12s
  default/vm-a  Migrated             node-1 → node-2  4s
  default/vm-b  Migrating (Running)  node-1 → node-3  1m02s
`
	if b.String() != wantBlock {
		t.Fatalf("block:\n%s\nwant:\n%s", b.String(), wantBlock)
	}
}

func TestLiveRedrawFitsTheTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &MaintenanceProgress{Out: &b, Live: true, Width: 30, Now: func() time.Time { return t0.Add(3 * time.Second) }}
	s := follow.Snapshot{Node: "node-1", Phase: "Running", DrainKnown: true, PodCountsKnown: true, Started: t0, VMs: []follow.VMProgress{
		{Namespace: "default", Name: "a-very-long-virtual-machine-name", State: follow.VMWaiting, Source: "node-1"}}}
	p.Update(s)
	p.Update(s)
	want := "\r\x1b[2Knode-1  Running  drain 0%  p…\n" +
		"\r\x1b[2K  default/a-very-long-virtua…\n" +
		"\x1b[2A" +
		"\r\x1b[2Knode-1  Running  drain 0%  p…\n" +
		"\r\x1b[2K  default/a-very-long-virtua…\n"
	if b.String() != want {
		t.Fatalf("live output %q\nwant %q", b.String(), want)
	}
}

// A change that the plain line does not show (the migration's last phase arriving after the VM
// already reads Migrated) prints nothing, so piped logs carry no repeated lines.
func TestChangeLinesSkipUnchangedText(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	vm := follow.VMProgress{Namespace: "ns", Name: "web", State: follow.VMMigrated, MigrationPhase: "Running",
		Source: "n1", Target: "n2", Started: start, Finished: start.Add(3 * time.Second)}
	prev := follow.Snapshot{Node: "n1", Phase: "Running", VMs: []follow.VMProgress{vm}}
	next := prev
	done := vm
	done.MigrationPhase = "Succeeded"
	next.VMs = []follow.VMProgress{done}
	if got := ProgressChangeLines(prev, true, next); len(got) != 0 {
		t.Fatalf("repeated line(s): %q", got)
	}

	moving := vm
	moving.State, moving.Finished = follow.VMMigrating, time.Time{}
	prev.VMs = []follow.VMProgress{moving}
	got := ProgressChangeLines(prev, true, next)
	want := []string{"n1: VM ns/web Migrated n1 → n2 in 3s"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// queuedVM is a VM of node-1 whose migration started at started (zero: none yet); pos > 0
// places it in the queue of migrations KubeVirt holds in Pending.
func queuedVM(name string, state follow.VMState, phase string, pos, of int, started time.Time) follow.VMProgress {
	return follow.VMProgress{Namespace: "default", Name: name, State: state, MigrationPhase: phase, QueuePos: pos, QueueLen: of,
		Source: "node-1", Started: started}
}

// KubeVirt v1.9 creates every evacuation migration at once and queues those over the limits in
// Pending: progress shows each one's place in the queue, and a VM moving up the queue prints no
// new line. The snapshots are what pkg/maintenance's follower reports for these migrations
// (its TestProgressShowsQueuedMigrations).
func TestProgressShowsQueuedMigrations(t *testing.T) {
	first := follow.Snapshot{Node: "node-1", Method: maintenance.MethodOperator, Started: t0, VMs: []follow.VMProgress{
		queuedVM("vm-a", follow.VMMigrating, "Running", 0, 0, t0),
		queuedVM("vm-b", follow.VMQueued, "Pending", 2, 3, t0.Add(2*time.Second)),
		queuedVM("vm-c", follow.VMQueued, "Pending", 1, 3, t0.Add(time.Second)),
		queuedVM("vm-d", follow.VMQueued, "Pending", 3, 3, t0.Add(-time.Second)),
	}}
	var b bytes.Buffer
	RenderProgressBlock(&b, first, t0.Add(10*time.Second))
	want := `node-1  Pending  drain -  pods -  10s
  default/vm-a  Migrating (Running)  node-1  10s
  default/vm-b  Queued (2 of 3)      node-1  8s
  default/vm-c  Queued (1 of 3)      node-1  9s
  default/vm-d  Queued (3 of 3)      node-1  11s
`
	if b.String() != want {
		t.Errorf("block:\n%s\nwant:\n%s", b.String(), want)
	}
	lines := ProgressChangeLines(follow.Snapshot{}, false, first)
	wantLines := []string{
		"node-1: Pending, drain -",
		"node-1: VM default/vm-a Migrating (Running)",
		"node-1: VM default/vm-b Queued (2 of 3)",
		"node-1: VM default/vm-c Queued (1 of 3)",
		"node-1: VM default/vm-d Queued (3 of 3)",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("first lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}

	// vm-c's turn: the others move up, which is no news.
	next := first
	next.VMs = []follow.VMProgress{
		queuedVM("vm-a", follow.VMMigrating, "Running", 0, 0, t0),
		queuedVM("vm-b", follow.VMQueued, "Pending", 1, 2, t0.Add(2*time.Second)),
		queuedVM("vm-c", follow.VMMigrating, "Scheduling", 0, 0, t0.Add(time.Second)),
		queuedVM("vm-d", follow.VMQueued, "Pending", 2, 2, t0.Add(-time.Second)),
	}
	if got := stateText(next.VMs[3]); got != "Queued (2 of 2)" {
		t.Errorf("vm-d after vm-c started: %q", got)
	}
	lines = ProgressChangeLines(first, true, next)
	if want := "node-1: VM default/vm-c Migrating (Scheduling)"; strings.Join(lines, "\n") != want {
		t.Errorf("lines after vm-c started:\n%s\nwant:\n%s", strings.Join(lines, "\n"), want)
	}
}

// Up to KubeVirt v1.8 migrations are created as slots free up: the VMs without one wait, and
// one just created is first in a queue of one (pkg/maintenance's
// TestProgressWithMigrationsCreatedAsSlotsFree reports these states).
func TestProgressWithMigrationsCreatedAsSlotsFree(t *testing.T) {
	s := follow.Snapshot{Node: "node-1", Method: maintenance.MethodOperator, Started: t0, VMs: []follow.VMProgress{
		queuedVM("vm-a", follow.VMMigrating, "Running", 0, 0, t0),
		queuedVM("vm-b", follow.VMQueued, "Pending", 1, 1, t0.Add(9*time.Second)),
		queuedVM("vm-c", follow.VMWaiting, "", 0, 0, time.Time{}),
		queuedVM("vm-d", follow.VMWaiting, "", 0, 0, time.Time{}),
	}}
	var b bytes.Buffer
	RenderProgressBlock(&b, s, t0.Add(10*time.Second))
	want := `node-1  Pending  drain -  pods -  10s
  default/vm-a  Migrating (Running)  node-1  10s
  default/vm-b  Queued (1 of 1)      node-1  1s
  default/vm-c  Waiting              node-1
  default/vm-d  Waiting              node-1
`
	if b.String() != want {
		t.Errorf("block:\n%s\nwant:\n%s", b.String(), want)
	}
}
