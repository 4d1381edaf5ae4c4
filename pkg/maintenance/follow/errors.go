package follow

import (
	"fmt"
	"strings"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// describeLeft says precisely what is still on the node and why, for every error that ends a
// wait without success.
func describeLeft(s Snapshot) string {
	var b strings.Builder
	vms := s.RemainingVMs()
	if len(vms) == 0 && len(s.PendingPods) == 0 {
		return ""
	}
	b.WriteString("\nstill on node " + s.Node + ":")
	for _, v := range vms {
		if v.State == VMQueued {
			fmt.Fprintf(&b, "\n  VM %s: migration %s", v.Key(), maintenance.QueueText(v.QueuePos, v.QueueLen))
		} else {
			fmt.Fprintf(&b, "\n  VM %s: %s", v.Key(), v.State)
		}
		if v.MigrationPhase != "" && v.State == VMMigrating {
			fmt.Fprintf(&b, " (migration %s)", v.MigrationPhase)
		}
		if v.Message != "" {
			b.WriteString(": " + v.Message)
		}
	}
	for _, p := range s.PendingPods {
		fmt.Fprintf(&b, "\n  pod %s: waiting for eviction", p)
	}
	if s.LastError != "" {
		b.WriteString("\nlast error: " + s.LastError)
	}
	return b.String()
}

// FailedError: the operator set phase Failed.
type FailedError struct{ Snapshot Snapshot }

func (e *FailedError) Error() string {
	return fmt.Sprintf("maintenance of node %s failed", e.Snapshot.Node) + describeLeft(e.Snapshot)
}

// TimeoutError: --timeout passed before the drain finished. The maintenance stays in place.
type TimeoutError struct {
	Snapshot Snapshot
	Timeout  time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for node %s to be drained (phase %s, drain %s); the maintenance stays in place",
		e.Timeout, e.Snapshot.Node, orUnknown(e.Snapshot.Phase), maintenance.PercentText(e.Snapshot.DrainProgress, e.Snapshot.DrainKnown)) + describeLeft(e.Snapshot)
}

// StalledError: the drain stopped progressing because every VM left blocks it.
type StalledError struct {
	Snapshot Snapshot
	After    time.Duration
}

func (e *StalledError) Error() string {
	if e.unschedulable() {
		return fmt.Sprintf("the drain of node %s is stuck: for %s no VM left has been able to leave, because the scheduler cannot place their migrations' target pods; the maintenance stays in place",
			e.Snapshot.Node, e.After) + describeLeft(e.Snapshot)
	}
	return fmt.Sprintf("the drain of node %s is stuck: for %s only VMs that cannot be evicted are left; the maintenance stays in place",
		e.Snapshot.Node, e.After) + describeLeft(e.Snapshot)
}

func (e *StalledError) unschedulable() bool {
	for _, v := range e.Snapshot.VMs {
		if v.Unschedulable {
			return true
		}
	}
	return false
}

// Hint says how to unblock.
func (e *StalledError) Hint() string {
	if e.unschedulable() {
		return "give the migrating VMs a node the scheduler accepts (see its reason above: free resources, uncordon or add a node, or relax the VMs' placement rules); " +
			"the drain continues by itself once they can move"
	}
	return "make the blocking VMs live-migratable, stop them, or change their evictionStrategy; the drain continues by itself once they are gone"
}

// InterruptedError: the user pressed Ctrl-C. Only the waiting stops.
type InterruptedError struct {
	Node, Name string
	Method     maintenance.Method
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("stopped waiting; node %s stays in maintenance", e.Node)
}

// GoneError: the NodeMaintenance was deleted while we were following it.
type GoneError struct{ Node, Name string }

func (e *GoneError) Error() string {
	return fmt.Sprintf("NodeMaintenance %s for node %s was deleted while waiting for it", e.Name, e.Node)
}

func orUnknown(s string) string {
	if s == "" {
		return "not reported yet"
	}
	return s
}
