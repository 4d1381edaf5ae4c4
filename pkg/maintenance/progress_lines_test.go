package maintenance

import (
	"reflect"
	"testing"
	"time"
)

// A change that the plain line does not show (the migration's last phase arriving after the VM
// already reads Migrated) prints nothing, so piped logs carry no repeated lines.
func TestChangeLinesSkipUnchangedText(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	vm := VMProgress{Namespace: "ns", Name: "web", State: VMMigrated, MigrationPhase: "Running",
		Source: "n1", Target: "n2", Started: start, Finished: start.Add(3 * time.Second)}
	prev := Snapshot{Node: "n1", Phase: "Running", VMs: []VMProgress{vm}}
	next := prev
	done := vm
	done.MigrationPhase = "Succeeded"
	next.VMs = []VMProgress{done}
	if got := ChangeLines(prev, true, next); len(got) != 0 {
		t.Fatalf("repeated line(s): %q", got)
	}

	moving := vm
	moving.State, moving.Finished = VMMigrating, time.Time{}
	prev.VMs = []VMProgress{moving}
	got := ChangeLines(prev, true, next)
	want := []string{"n1: VM ns/web Migrated n1 → n2 in 3s"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
