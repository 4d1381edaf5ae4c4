package maintenance

import (
	"context"
	"fmt"

	authv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Op is one step of a maintenance command that talks to the API server.
type Op string

const (
	// OpRead is what every maintenance command reads: nodes, pods, VMs, migrations, the
	// KubeVirt CR, NodeMaintenances, events, and its own permission checks.
	OpRead Op = "read"
	// OpCordonRequest cordons every node of a multi-node start before the first drain, and
	// releases those whose maintenance did not start.
	OpCordonRequest Op = "cordon the request"
	// OpStartOperator creates a NodeMaintenance.
	OpStartOperator Op = "start"
	// OpStartDrain cordons, taints and drains from this process (--method=drain).
	OpStartDrain Op = "start --method=drain"
	// OpStop deletes a NodeMaintenance.
	OpStop Op = "stop"
	// OpStopDrain undoes what --method=drain did to a node.
	OpStopDrain Op = "stop a --method=drain maintenance"
	// OpCancelEvacuations clears VMIs' evacuation mark and deletes their pending evacuation
	// migrations (stop --cancel-evacuations).
	OpCancelEvacuations Op = "stop --cancel-evacuations"
)

// Request is one kind of API request the maintenance commands make.
type Request struct {
	Verb, Group, Resource, Subresource string
	// NodeMaintenance marks the NodeMaintenance resource, whose group is the API the cluster
	// serves (Group and Resource are filled in from it).
	NodeMaintenance bool
	// Ops are the steps that make it.
	Ops []Op
}

// Requests is every API request the maintenance commands make. Preflight derives its
// permission checks from it, and a unit test runs the operations against a recording fake
// client and fails on any request missing here, so the checks cannot drift from the code.
var Requests = []Request{
	{Verb: "get", Resource: "nodes", Ops: []Op{OpRead, OpCordonRequest, OpStartDrain, OpStopDrain}},
	{Verb: "list", Resource: "nodes", Ops: []Op{OpRead}},
	{Verb: "watch", Resource: "nodes", Ops: []Op{OpRead}},
	{Verb: "list", Resource: "pods", Ops: []Op{OpRead, OpStartDrain}},
	{Verb: "get", Resource: "pods", Ops: []Op{OpStartDrain}},
	{Verb: "watch", Resource: "pods", Ops: []Op{OpRead}},
	{Verb: "list", Resource: "events", Ops: []Op{OpRead}},
	{Verb: "create", Group: "authorization.k8s.io", Resource: "selfsubjectaccessreviews", Ops: []Op{OpRead}},
	{Verb: "list", Group: "kubevirt.io", Resource: "kubevirts", Ops: []Op{OpRead}},
	{Verb: "get", Group: "kubevirt.io", Resource: "virtualmachines", Ops: []Op{OpRead}},
	{Verb: "get", Group: "kubevirt.io", Resource: "virtualmachineinstances", Ops: []Op{OpRead}},
	{Verb: "list", Group: "kubevirt.io", Resource: "virtualmachineinstances", Ops: []Op{OpRead}},
	{Verb: "watch", Group: "kubevirt.io", Resource: "virtualmachineinstances", Ops: []Op{OpRead}},
	{Verb: "list", Group: "kubevirt.io", Resource: "virtualmachineinstancemigrations", Ops: []Op{OpRead, OpCancelEvacuations}},
	{Verb: "watch", Group: "kubevirt.io", Resource: "virtualmachineinstancemigrations", Ops: []Op{OpRead}},
	{Verb: "list", NodeMaintenance: true, Ops: []Op{OpRead}},
	{Verb: "get", NodeMaintenance: true, Ops: []Op{OpRead, OpStartOperator}},
	{Verb: "watch", NodeMaintenance: true, Ops: []Op{OpRead}},

	// Writes: preflight checks these before anything is written.
	{Verb: "patch", Resource: "nodes", Ops: []Op{OpCordonRequest, OpStartDrain, OpStopDrain}},
	{Verb: "create", Resource: "pods", Subresource: "eviction", Ops: []Op{OpStartDrain}},
	{Verb: "create", NodeMaintenance: true, Ops: []Op{OpStartOperator}},
	{Verb: "delete", NodeMaintenance: true, Ops: []Op{OpStop}},
	{Verb: "patch", Group: "kubevirt.io", Resource: "virtualmachineinstances", Ops: []Op{OpCancelEvacuations}},
	{Verb: "delete", Group: "kubevirt.io", Resource: "virtualmachineinstancemigrations", Ops: []Op{OpCancelEvacuations}},
}

func isWrite(verb string) bool {
	switch verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

// AccessCheck is one permission a command needs.
type AccessCheck struct {
	Verb, Group, Resource, Subresource string
}

// Display is how the permission is named in messages: pods/eviction, nodemaintenances.group.
func (a AccessCheck) Display() string {
	r := a.Resource
	if a.Group != "" {
		r += "." + a.Group
	}
	if a.Subresource != "" {
		r += "/" + a.Subresource
	}
	return r
}

// WriteChecks are the write permissions the given steps need, in table order. api resolves the
// NodeMaintenance entries; they are left out when it is nil.
func WriteChecks(api *API, ops ...Op) []AccessCheck {
	want := map[Op]bool{}
	for _, o := range ops {
		want[o] = true
	}
	var out []AccessCheck
	seen := map[AccessCheck]bool{}
	for _, r := range Requests {
		if !isWrite(r.Verb) || r.Verb == "create" && r.Resource == "selfsubjectaccessreviews" {
			continue
		}
		used := false
		for _, o := range r.Ops {
			used = used || want[o]
		}
		if !used {
			continue
		}
		ch := AccessCheck{Verb: r.Verb, Group: r.Group, Resource: r.Resource, Subresource: r.Subresource}
		if r.NodeMaintenance {
			if api == nil {
				continue
			}
			ch.Group, ch.Resource = api.GVR.Group, api.GVR.Resource
		}
		if !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	return out
}

// CheckAccess asks the API server, with one SelfSubjectAccessReview per permission, whether the
// user may make the writes of the given steps; the first one denied is a ForbiddenError.
func CheckAccess(ctx context.Context, c Clients, api *API, ops ...Op) error {
	for _, ch := range WriteChecks(api, ops...) {
		ssar := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authv1.ResourceAttributes{Verb: ch.Verb, Group: ch.Group, Resource: ch.Resource, Subresource: ch.Subresource},
		}}
		out, err := c.Kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, ssar, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("checking permission to %s %s: %w", ch.Verb, ch.Display(), err)
		}
		if !out.Status.Allowed {
			return &ForbiddenError{Verb: ch.Verb, Resource: ch.Display(), Reason: out.Status.Reason}
		}
	}
	return nil
}
