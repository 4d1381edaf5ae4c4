package certs

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// classify sets Status and Reason. The order is what an administrator must fix first: a key
// that does not match makes the Secret unusable whatever the dates; then validity; then trust.
func classify(c *Certificate, bundles bundleIndex, now time.Time, warnWithin time.Duration) {
	switch {
	case c.keyMismatch:
		c.Status, c.Reason = StatusKeyMismatch, "the private key does not belong to this certificate"
	case now.After(c.NotAfter):
		c.Status = StatusExpired
	case now.Before(c.NotBefore):
		c.Status, c.Reason = StatusNotYetValid, "valid from "+FormatTime(c.NotBefore)
	default:
		if reason := untrusted(c, bundles); reason != "" {
			c.Status, c.Reason = StatusUntrusted, reason
		} else if left := c.NotAfter.Sub(now); left < warnWithin && left < c.NotAfter.Sub(c.NotBefore)/2 {
			// Short-lived certificates (HCO's defaults are 48h and 24h) are renewed by their
			// owners about half way; only once less than half is left is one worth a warning,
			// otherwise every healthy certificate of a current cluster would be EXPIRING.
			c.Status = StatusExpiring
		} else {
			c.Status = StatusOK
		}
	}
}

// untrusted returns why c does not chain to the bundles its clients use, or "".
func untrusted(c *Certificate, bundles bundleIndex) string {
	if c.Role == RoleBundle || c.cert == nil {
		return ""
	}
	if len(c.trustedBy) == 0 {
		if len(c.ownCA) > 0 && !c.cert.IsCA {
			if err := Verify(c.cert, c.ownCA, c.intermediates); err != nil {
				return "does not chain to ca.crt of the same Secret"
			}
		}
		return ""
	}
	var failed []string
	for _, r := range c.trustedBy {
		ns := c.Namespace
		for _, name := range []string{r.Name, r.Name + "-" + ns} {
			sets, ok := bundles[bundleKey(ns, r.Kind, name, r.Key)]
			if !ok {
				continue
			}
			for _, set := range sets {
				if !trustedByBundle(c, set) {
					failed = append(failed, refString(r, name))
					break
				}
			}
		}
	}
	if len(failed) == 0 {
		return ""
	}
	return "not in/does not chain to " + strings.Join(failed, ", ")
}

func trustedByBundle(c *Certificate, bundle []*x509.Certificate) bool {
	if len(bundle) == 0 {
		return false
	}
	if c.Role == RoleCA || c.cert.IsCA {
		return containsCert(bundle, c.cert)
	}
	return Verify(c.cert, bundle, c.intermediates) == nil
}

func refString(r Ref, name string) string {
	return fmt.Sprintf("%s/%s", strings.ToLower(r.Kind), name)
}
