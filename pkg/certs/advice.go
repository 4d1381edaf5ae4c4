package certs

import (
	"fmt"
	"sort"
	"strings"
)

// maxAdviceSecrets is how many Secrets an advice line names before it names the component.
const maxAdviceSecrets = 3

// Advice returns what fixes the certificates that fail the check, one line each: the owner's
// rotation for what a component owns (its Secrets by name when they are few), and for the rest
// whoever issued it, since `certs rotate` can only ask owners to re-issue their own.
func Advice(cs []Certificate) []string {
	type compKey struct{ ns, comp string }
	type compFix struct {
		secrets []string
		other   bool // a bundle or an uncatalogued Secret: only the whole component's rotation
	}
	comps := map[compKey]*compFix{}
	var order []compKey
	var lines []string
	seen := map[string]bool{}
	add := func(l string) {
		if !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	for i := range cs {
		c := &cs[i]
		if !c.Fails {
			continue
		}
		if c.Kind == KindPod {
			add(servedAdvice(c))
			continue
		}
		if c.owner.component && c.Component != "-" {
			k := compKey{c.Namespace, c.Component}
			f, ok := comps[k]
			if !ok {
				f = &compFix{}
				comps[k] = f
				order = append(order, k)
			}
			if c.owner.catalogued && c.Kind == KindSecret && c.Role != RoleBundle {
				if !containsString(f.secrets, c.Name) {
					f.secrets = append(f.secrets, c.Name)
				}
			} else {
				f.other = true
			}
			continue
		}
		add(unownedAdvice(c))
	}
	var compLines []string
	for _, k := range order {
		f := comps[k]
		how := fmt.Sprintf("oc cnv certs rotate -n %s --components %s", k.ns, k.comp)
		if !f.other && len(f.secrets) <= maxAdviceSecrets {
			sort.Strings(f.secrets)
			how = fmt.Sprintf("oc cnv certs rotate -n %s %s", k.ns, strings.Join(prefixAll("secret/", f.secrets), " "))
		}
		compLines = append(compLines, fmt.Sprintf("%s: `%s`", k.comp, how))
	}
	return append(compLines, lines...)
}

// servedAdvice fixes what a pod serves: a pod that did not reload needs a restart (its Secret
// is already right, so a rotation would not help); one its clients distrust needs its owner to
// re-issue and rebuild the bundles.
func servedAdvice(c *Certificate) string {
	obj := c.ShortObject()
	switch {
	case c.Status == StatusServingStale && c.owner.controller != "":
		return fmt.Sprintf("%s: serves an older certificate than its Secret (it did not reload): restart it: `oc rollout restart -n %s %s`", obj, c.Namespace, c.owner.controller)
	case c.Status == StatusServingStale:
		return fmt.Sprintf("%s: serves an older certificate than its Secret (it did not reload): delete the pod so that a new one reads the Secret", obj)
	case c.Status == StatusServingUntrusted:
		return fmt.Sprintf("%s: its clients would reject what it serves (%s): `oc cnv certs rotate -n %s --components %s`", obj, c.Reason, c.Namespace, c.Component)
	}
	return fmt.Sprintf("%s: serves a certificate that is %s: `oc cnv certs rotate -n %s --components %s`", obj, c.StatusText(), c.Namespace, c.Component)
}

func unownedAdvice(c *Certificate) string {
	obj := c.ShortObject()
	switch {
	case c.owner.injected:
		return fmt.Sprintf("%s: OpenShift's service-ca operator injects this CA and renews it; if it does not, see that operator", obj)
	case c.owner.certManager != "":
		return fmt.Sprintf("%s: cert-manager's Certificate %s issues it: `cmctl renew -n %s %s`", obj, c.owner.certManager, c.Namespace, c.owner.certManager)
	case c.owner.serviceCA != "":
		return fmt.Sprintf("%s: service-ca issues it for service %s: delete the Secret and it issues a new one", obj, c.owner.serviceCA)
	case c.owner.controller != "":
		return fmt.Sprintf("%s: %s controls it: renew it through that object", obj, c.owner.controller)
	case c.Role == RoleBundle:
		return fmt.Sprintf("%s: no component keeps this bundle (certs rotate cannot renew it): put the current CA in it", obj)
	}
	return fmt.Sprintf("%s: no component owns it (certs rotate cannot renew it): issue a new one from %s and replace it", obj, c.Issuer)
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
