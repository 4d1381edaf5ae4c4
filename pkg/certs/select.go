package certs

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SecretError is a Secret named for a rotation that no rotation can re-issue: unknown, not
// owned by a component, never to be touched, or absent. Nothing has been changed.
type SecretError struct {
	Name, Namespace string
	Reason          string
}

func (e *SecretError) Error() string {
	return fmt.Sprintf("secret/%s in namespace %s: %s", e.Name, e.Namespace, e.Reason)
}

// reissuedWith returns the other Secrets the owner re-issues when secret is re-issued, from
// what the catalogue knows of each owner:
//   - virt-operator re-issues every certificate not signed by the current CA
//     (apply/core.go certificationNeedsRotation), so a new kubevirt-ca brings new leaves;
//   - kube-admission-webhook rotates its CA and the service certificate together once its
//     chain check fails (the only way to make it rotate);
//   - library-go keeps a target until its own times are due or its signer leaves the bundle,
//     and the old signer stays in the bundle, so a CDI signer's leaves stay as they are.
func (c Component) reissuedWith(secret string) []string {
	var entry *CertEntry
	for i := range c.Certs {
		if c.Certs[i].Secret == secret {
			entry = &c.Certs[i]
		}
	}
	if entry == nil {
		return nil
	}
	var out []string
	switch {
	case c.Mechanism == MechDeleteCASecret:
		for _, e := range c.Certs {
			if e.Secret != secret {
				out = append(out, e.Secret)
			}
		}
	case c.Mechanism == MechDurationAnnotation && entry.Role == RoleCA && len(entry.TrustedBy) > 0:
		own := entry.TrustedBy[0]
		for _, e := range c.Certs {
			if e.Role != RoleCA && slices.Contains(e.TrustedBy, own) {
				out = append(out, e.Secret)
			}
		}
	}
	return out
}

// selectSecrets checks the Secrets named for a rotation and returns them by component.
func (r *Rotator) selectSecrets(ctx context.Context, names []string, ns, cdiNS string) (map[string][]string, error) {
	cat := Catalogue()
	out := map[string][]string{}
	for _, name := range names {
		comp, entry := lookupSecret(cat, name)
		where := ns
		if comp != nil && comp.CDI {
			where = cdiNS
		}
		for _, c := range cat {
			if slices.Contains(c.Never, name) {
				return nil, &SecretError{Name: name, Namespace: where, Reason: fmt.Sprintf("%s's Secret that a rotation never touches (replacing it breaks what it signs, such as upload tokens in flight)", c.Name)}
			}
		}
		_, err := r.Client.CoreV1().Secrets(where).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) && entry == nil:
			return nil, &SecretError{Name: name, Namespace: where, Reason: "not found; name a Secret as the OBJECT column of `oc cnv certs check` shows it"}
		case apierrors.IsNotFound(err):
			return nil, &SecretError{Name: name, Namespace: where, Reason: fmt.Sprintf("not found: %s has not created it, so there is nothing to re-issue", comp.Owner)}
		case err != nil && !apierrors.IsForbidden(err):
			return nil, fmt.Errorf("reading secret %s/%s: %w", where, name, err)
		case entry == nil:
			return nil, &SecretError{Name: name, Namespace: where, Reason: "no virtualization component owns it, so no operator can re-issue it; renew it where it was made and replace the Secret"}
		}
		if !slices.Contains(out[comp.Name], name) {
			out[comp.Name] = append(out[comp.Name], name)
		}
	}
	return out, nil
}

// narrow keeps of a component's plan only the selected Secrets and those their owner
// re-issues with them, and records why the others are there.
func (cp *ComponentPlan) narrow(selected []string) {
	keep := map[string]bool{}
	for _, s := range selected {
		keep[s] = true
		for _, dep := range cp.comp.reissuedWith(s) {
			if !keep[dep] && !slices.Contains(selected, dep) {
				cp.AlsoReissued = append(cp.AlsoReissued, dep)
			}
			keep[dep] = true
		}
	}
	cp.Selected = selected
	var targets []Target
	for _, t := range cp.Targets {
		// A missing Secret the user did not name is its owner's to create, not this
		// rotation's to wait for.
		if keep[t.Secret] && (!t.Missing || slices.Contains(selected, t.Secret)) {
			targets = append(targets, t)
		}
	}
	cp.Targets = targets
	var also []string
	for _, a := range cp.AlsoReissued {
		if slices.ContainsFunc(targets, func(t Target) bool { return t.Secret == a }) {
			also = append(also, a)
		}
	}
	cp.AlsoReissued = also
	var steps []Step
	for _, s := range cp.Steps {
		if s.Kind == KindSecret && !keep[s.Name] {
			continue
		}
		steps = append(steps, s)
	}
	cp.Steps = steps
}
