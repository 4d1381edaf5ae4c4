package certs

import (
	"context"
	"fmt"
	"sort"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Permission is one access a plan needs.
type Permission struct {
	Verb      string `json:"verb"`
	Group     string `json:"group,omitempty"`
	Resource  string `json:"resource"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

func (p Permission) String() string {
	res := p.Resource
	if p.Group != "" {
		res += "." + p.Group
	}
	s := p.Verb + " " + res
	if p.Name != "" {
		s += "/" + p.Name
	}
	if p.Namespace != "" {
		s += " in namespace " + p.Namespace
	}
	return s
}

// PermissionError lists what the user may not do; nothing has been changed when it is returned.
type PermissionError struct{ Missing []Permission }

// maxPermissionLine keeps each line of the message within a 120-column terminal.
const maxPermissionLine = 116

// Error says how many permissions are missing and then, one line per verb, resource and
// namespace, the objects concerned: a plan touching 30 Secrets would otherwise list 30 lines
// that differ only in the name.
func (e *PermissionError) Error() string {
	type group struct {
		head  string
		names []string
	}
	var groups []*group
	byHead := map[string]*group{}
	for _, p := range e.Missing {
		head := Permission{Verb: p.Verb, Group: p.Group, Resource: p.Resource, Namespace: p.Namespace}.String()
		g, ok := byHead[head]
		if !ok {
			g = &group{head: head}
			byHead[head] = g
			groups = append(groups, g)
		}
		if p.Name != "" {
			g.names = append(g.names, p.Name)
		}
	}
	var lines []string
	for _, g := range groups {
		lines = append(lines, "  "+permissionLine(g.head, g.names))
	}
	noun := "permissions"
	if len(e.Missing) == 1 {
		noun = "permission"
	}
	return fmt.Sprintf("you lack %d %s this rotation needs; nothing was changed:\n%s", len(e.Missing), noun, strings.Join(lines, "\n"))
}

// permissionLine is "patch secrets in namespace x (5): a, b and 3 more", cut to fit a line.
func permissionLine(head string, names []string) string {
	if len(names) == 0 {
		return head
	}
	line := fmt.Sprintf("%s (%d): %s", head, len(names), names[0])
	for i := 1; i < len(names); i++ {
		next := ", " + names[i]
		// Room for what would follow: nothing after the last name, else " and N more".
		after := 0
		if i < len(names)-1 {
			after = len(fmt.Sprintf(" and %d more", len(names)-i-1))
		}
		if len(line)+len(next)+after > maxPermissionLine {
			return line + fmt.Sprintf(" and %d more", len(names)-i)
		}
		line += next
	}
	return line
}

// Permissions lists every access the plan needs, reads included.
func (p *Plan) Permissions() []Permission {
	seen := map[Permission]bool{}
	var out []Permission
	add := func(x Permission) {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	for _, c := range p.Components {
		ns := c.Namespace
		add(Permission{Verb: "get", Resource: "secrets", Namespace: ns})
		add(Permission{Verb: "get", Resource: "configmaps", Namespace: ns})
		add(Permission{Verb: "get", Group: "apps", Resource: "deployments", Namespace: ns})
		for _, s := range c.Steps {
			switch s.Action {
			case ActAnnotateDuration, ActExpireNotAfter:
				add(Permission{Verb: "patch", Resource: "secrets", Namespace: ns, Name: s.Name})
			case ActDeleteSecret:
				add(Permission{Verb: "delete", Resource: "secrets", Namespace: ns, Name: s.Name})
			case ActDeleteWebhook:
				add(Permission{Verb: "delete", Group: "admissionregistration.k8s.io", Resource: webhookResource(s.Kind), Name: s.Name})
			case ActDeleteRoute:
				add(Permission{Verb: "delete", Group: "route.openshift.io", Resource: "routes", Namespace: ns, Name: s.Name})
			case ActRestart:
				add(Permission{Verb: "patch", Group: "apps", Resource: strings.ToLower(s.Kind) + "s", Namespace: ns, Name: s.Name})
			case ActScaleDown, ActRestoreReplicas:
				add(Permission{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: ns, Name: s.Name})
				add(Permission{Verb: "list", Resource: "pods", Namespace: ns})
			}
		}
		if c.Fallback == string(MechDeleteSecret) {
			for _, t := range c.Targets {
				add(Permission{Verb: "delete", Resource: "secrets", Namespace: ns, Name: t.Secret})
			}
		}
		for _, b := range c.comp.Bundles {
			if b.Kind == KindValidating || b.Kind == KindMutating {
				add(Permission{Verb: "get", Group: "admissionregistration.k8s.io", Resource: webhookResource(b.Kind)})
			}
		}
	}
	return out
}

func webhookResource(kind string) string {
	if kind == KindMutating {
		return "mutatingwebhookconfigurations"
	}
	return "validatingwebhookconfigurations"
}

// CheckPermissions asks the API server (SelfSubjectAccessReview) about every permission of the
// plan and returns a *PermissionError listing those denied.
func (r *Rotator) CheckPermissions(ctx context.Context, p *Plan) error {
	var missing []Permission
	for _, perm := range p.Permissions() {
		review := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authv1.ResourceAttributes{
				Namespace: perm.Namespace, Verb: perm.Verb, Group: perm.Group, Resource: perm.Resource, Name: perm.Name,
			},
		}}
		res, err := r.Client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("checking permission to %s: %w", perm, err)
		}
		if !res.Status.Allowed {
			missing = append(missing, perm)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.SliceStable(missing, func(i, j int) bool { return missing[i].String() < missing[j].String() })
	return &PermissionError{Missing: missing}
}
