// Package maintenance is the domain logic behind `oc cnv maintenance`: it finds the
// NodeMaintenance API a cluster serves, predicts what a drain will do to every
// VirtualMachineInstance on a node, creates or removes the maintenance, and follows it with
// watches while reporting progress through callbacks.
//
// Like k8s.io/kubectl/pkg/drain it holds no globals and knows nothing about cobra: callers pass
// client interfaces and callbacks in, so the commands and the tests drive the same code. It
// lays out no text either: pkg/printers renders its models (plan, description, list, progress
// snapshots), and this package never imports it.
package maintenance
