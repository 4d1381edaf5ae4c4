package printers

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
)

// RenderRotationPlan writes the plan of `certs rotate` per component for people.
func RenderRotationPlan(w io.Writer, p *certs.Plan) {
	for _, c := range p.Components {
		fmt.Fprintf(w, "%s (%s, version %s) in namespace %s, strategy %s:\n", c.Name, c.Owner, c.Version, c.Namespace, c.Strategy)
		if len(c.Selected) > 0 {
			fmt.Fprintf(w, "  - only %s%s\n", strings.Join(secretRefs(c.Selected), ", "), alsoText(c))
		}
		for _, s := range c.Steps {
			fmt.Fprintf(w, "  - %s\n", s)
		}
		for _, gap := range c.Gaps {
			fmt.Fprintf(w, "  ! gap: %s\n", gap)
		}
		for _, t := range c.Targets {
			state := "serial " + certs.ShortSerial(t.Serial) + ", expires " + certs.FormatTime(t.NotAfter)
			if t.Missing {
				state = "missing now"
			}
			with := ""
			if slices.Contains(c.AlsoReissued, t.Secret) {
				with = " with it"
			}
			fmt.Fprintf(w, "  * wait for secret/%s (%s, %s) to be re-issued%s\n", t.Secret, t.Role, state, with)
		}
		if c.Fallback != "" {
			fmt.Fprintf(w, "  - if the owner has not re-issued a certificate half way through --timeout: %s\n", fallbackText(c.Fallback))
		}
		for _, warn := range c.Warnings {
			fmt.Fprintf(w, "  ! warning: %s\n", warn)
		}
		for _, n := range c.Untouched {
			fmt.Fprintf(w, "  - never touched: secret/%s\n", n)
		}
	}
	for _, s := range p.Skipped {
		fmt.Fprintf(w, "skipped %s\n", s)
	}
	in := p.Interruptions
	mig := fmt.Sprintf("%d", in.RunningMigrations)
	if in.RunningMigrations < 0 {
		mig = "unknown (cannot list migrations)"
	}
	fmt.Fprintf(w, "May be interrupted: running live migrations: %s; CDI import/upload/clone pods: %d (never deleted by this command).\n", mig, in.CDIWorkerPods)
	if in.ConsolesClose {
		fmt.Fprintln(w, "Open VNC and serial console connections to VMs will be closed.")
	}
}

func secretRefs(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "secret/" + n
	}
	return out
}

// alsoText says why the plan waits for Secrets that were not named.
func alsoText(c certs.ComponentPlan) string {
	if len(c.AlsoReissued) == 0 {
		return ""
	}
	return fmt.Sprintf(", and the %d certificate(s) %s re-issues with it (marked below)", len(c.AlsoReissued), c.ShortOwner())
}

func fallbackText(f string) string {
	if f == string(certs.MechDeleteSecret) {
		return "delete that Secret, which its owner re-creates"
	}
	return f
}
