// Package drainmethod drains a node without the Node Maintenance Operator (--method=drain):
// MarkNode cordons, taints and labels the node, DrainNode evicts its pods with
// k8s.io/kubectl/pkg/drain and reports progress in the NodeMaintenance shape, and UnmarkNode
// ends the maintenance.
//
// It imports pkg/maintenance, which must never import it (pkg/maintenance reads the marks back
// itself, with DrainedBy), and not pkg/maintenance/follow, to which the command hands the
// status channel.
package drainmethod
