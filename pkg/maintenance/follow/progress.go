package follow

import (
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// VMState is where one VM stands during a drain.
type VMState string

const (
	VMWaiting         VMState = "Waiting"
	VMQueued          VMState = "Queued" // its migration waits in Pending for its turn (pkg/maintenance/queue.go)
	VMMigrating       VMState = "Migrating"
	VMMigrated        VMState = "Migrated"
	VMMigrationFailed VMState = "MigrationFailed"
	VMShuttingDown    VMState = "ShuttingDown"
	VMShutDown        VMState = "ShutDown"
	VMBlocked         VMState = "Blocked"
	VMExternal        VMState = "WaitingForExternal"
)

// VMProgress is one VM's line in the progress display.
type VMProgress struct {
	Namespace, Name string
	State           VMState
	// MigrationPhase is the VirtualMachineInstanceMigration's phase while one exists.
	MigrationPhase string
	// QueuePos and QueueLen place a Queued VM among the node's VMs whose migration waits in
	// Pending, in the order KubeVirt starts them.
	QueuePos, QueueLen int
	Source, Target     string
	// Started is when the VM started moving (migration created or shutdown seen); zero while
	// it waits. Finished is set once it left the node.
	Started, Finished time.Time
	// Message explains a Blocked, MigrationFailed or ShutDown state.
	Message string
	// OwnedByVM: a VirtualMachine owns the VMI, so a shut-down VM may be started again.
	OwnedByVM bool
	// Unschedulable: its migration's target pod cannot be placed; Message has the scheduler's
	// reason.
	Unschedulable bool
}

// Key is namespace/name.
func (v VMProgress) Key() string { return v.Namespace + "/" + v.Name }

// OnNode tells whether the VM is still on the node being drained.
func (v VMProgress) OnNode() bool {
	return v.State != VMMigrated && v.State != VMShutDown
}

// Snapshot is the whole state of one node's maintenance at a moment, handed to the progress
// callback after every change. It is a value: callers may keep it.
type Snapshot struct {
	Node string
	// Name is the NodeMaintenance object's name; empty with --method=drain.
	Name          string
	Method        maintenance.Method
	Phase         string
	DrainProgress int64
	// DrainKnown and PodCountsKnown: see NodeMaintenance.
	DrainKnown     bool
	PodCountsKnown bool
	EvictionPods   int64
	TotalPods      int64
	PendingPods    []string
	LastError      string
	VMs            []VMProgress
	// Started is when following began, for the overall elapsed time.
	Started time.Time
	// Stalled is set while every VM left on the node blocks the drain.
	Stalled bool
}

// Evicted derives the count of evicted pods: the operator reports the total up for eviction
// and the pods still pending, not the evicted count itself. The progress display shows it and
// compares it between snapshots to tell whether the drain moved.
func (s Snapshot) Evicted() int64 {
	n := s.EvictionPods - int64(len(s.PendingPods))
	if s.Phase == maintenance.PhaseSucceeded {
		n = s.EvictionPods
	}
	if n < 0 {
		n = 0
	}
	return n
}

// RemainingVMs are the VMs still on the node.
func (s Snapshot) RemainingVMs() []VMProgress {
	var out []VMProgress
	for _, v := range s.VMs {
		if v.OnNode() {
			out = append(out, v)
		}
	}
	return out
}
