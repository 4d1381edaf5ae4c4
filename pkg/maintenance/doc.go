// Package maintenance is the domain logic behind `oc cnv maintenance`: it finds the
// NodeMaintenance API a cluster serves, predicts what a drain will do to every
// VirtualMachineInstance on a node, checks access and placement, and creates, lists, describes
// or removes the maintenance.
//
// Following a maintenance to its end lives in pkg/maintenance/follow, and draining a node
// without the Node Maintenance Operator (--method=drain) in pkg/maintenance/drainmethod. Both
// import this package and it imports neither, so the model and the operations build and test
// without the watches or the drain; the few helpers they share with it are exported here.
//
// Like k8s.io/kubectl/pkg/drain it holds no globals and knows nothing about cobra: callers pass
// client interfaces and callbacks in, so the commands and the tests drive the same code. It
// lays out no text either: pkg/printers renders its models (plan, description, list, progress
// snapshots), and this package never imports it.
package maintenance
