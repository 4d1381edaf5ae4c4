// Package follow follows one node's maintenance to its end with watches: Follower reports a
// Snapshot of the node's VMs and pods after every change and ends with the error that says why
// the wait stopped. WaitComebacks then says where the VMs the drain shut down run again.
//
// It serves both methods: a NodeMaintenance of the operator, or the status that
// pkg/maintenance/drainmethod feeds it. It imports pkg/maintenance, which must never import it,
// and not drainmethod; pkg/printers renders its snapshots.
package follow
