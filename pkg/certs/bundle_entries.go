package certs

import (
	"regexp"
)

// Bundle entry states (Certificate.BundleEntry).
const (
	BundleCurrent    = "current"
	BundleSuperseded = "superseded"
)

// rotationStamp is the "@<unix time>" that virt-operator and library-go append to the common
// name of each CA they generate, so successive CAs of one signer differ only there.
var rotationStamp = regexp.MustCompile(`@\d+$`)

func caStem(subject string) string { return rotationStamp.ReplaceAllString(subject, "") }

// markBundleEntries marks every certificate of a CA bundle current or superseded. Owners keep
// their previous CAs in the bundle after a rotation, so that what the old CA signed stays
// trusted until it is re-issued; those pile up over rotations. Within one bundle value, the
// entries of one signer (same common name but for the stamp) are its generations: the one the
// signer's Secret holds now is current (when the scan saw that Secret), else the newest.
func markBundleEntries(cs []Certificate) {
	type signer struct{ ns, stem string }
	// The serials of CA certificates held with their keys: the CAs that sign now.
	signing := map[signer]map[string]bool{}
	for i := range cs {
		c := &cs[i]
		if c.Role == RoleCA && c.Kind == KindSecret {
			k := signer{c.Namespace, caStem(c.Subject)}
			if signing[k] == nil {
				signing[k] = map[string]bool{}
			}
			signing[k][c.Identity()] = true
		}
	}
	type value struct{ ns, kind, name, key, stem string }
	groups := map[value][]int{}
	for i := range cs {
		c := &cs[i]
		if c.Role != RoleBundle {
			continue
		}
		v := value{c.Namespace, c.Kind, c.Name, c.Key, caStem(c.Subject)}
		groups[v] = append(groups[v], i)
	}
	for v, idx := range groups {
		current := -1
		for _, i := range idx {
			if signing[signer{v.ns, v.stem}][cs[i].Identity()] {
				current = i
			}
		}
		if current < 0 {
			for _, i := range idx {
				if current < 0 || cs[i].NotBefore.After(cs[current].NotBefore) {
					current = i
				}
			}
		}
		for _, i := range idx {
			cs[i].BundleEntry = BundleSuperseded
			if i == current {
				cs[i].BundleEntry = BundleCurrent
			}
		}
	}
}
