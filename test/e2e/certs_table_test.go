//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The default table of the cluster's whole estate (every component, every bundle, the
// superseded CAs of earlier rotations) fits a 120-column terminal, also when --fail-within marks
// rows; the marks, the summary and the error count the same rows.
func TestCertsCheckTableFits(t *testing.T) {
	env := framework.Get(t)
	ns := env.CNVNamespace
	for _, args := range [][]string{nil, {"--fail-within", "2d"}} {
		res := env.Run(t, append([]string{"certs", "check", "-n", ns}, args...)...)
		widest, at := 0, ""
		for _, l := range strings.Split(res.Stdout, "\n") {
			if n := len([]rune(l)); n > widest {
				widest, at = n, l
			}
		}
		t.Logf("%v: widest line %d columns", args, widest)
		if widest > 120 {
			t.Errorf("%v: a line of %d columns:\n%s", args, widest, at)
		}
		if len(args) == 0 {
			continue
		}
		// Rows are "COMPONENT OBJECT ROLE EXPIRES RESIDUAL STATUS..."; a RESIDUAL in hours,
		// minutes or seconds is under 2 days.
		lines := tableLines(res.Stdout)
		counts := map[string]int{}
		failing := 0
		for _, l := range lines[1:] {
			if l == "" {
				break
			}
			f := strings.Fields(l)
			if strings.HasPrefix(f[2], "+") {
				// "cm/kubevirt-ca +3": one CA in several bundles.
				f = append(f[:2], f[3:]...)
			}
			residual, status := f[4], strings.Join(f[5:], " ")
			counts[status]++
			soon := regexp.MustCompile(`^\d+[hms]$`).MatchString(residual)
			if soon && status != "EXPIRING (<2d)" {
				t.Errorf("row expiring in %s not marked EXPIRING (<2d): %s", residual, l)
			}
			if !soon && status == "EXPIRING (<2d)" {
				t.Errorf("row marked EXPIRING (<2d) expires in %s: %s", residual, l)
			}
			if status != "OK" && !strings.HasPrefix(status, "EXPIRING (<30d)") {
				failing++
			}
		}
		summary := ""
		for _, l := range lines {
			if strings.Contains(l, " certificates: ") {
				summary = l
			}
		}
		for status, n := range counts {
			if !strings.Contains(summary, fmt.Sprintf("%d %s", n, status)) {
				t.Errorf("summary %q does not count the %d rows %s", summary, n, status)
			}
		}
		if failing == 0 {
			if res.ExitCode != 0 {
				t.Errorf("exit %d with no failing row", res.ExitCode)
			}
			continue
		}
		if res.ExitCode != 7 || !strings.HasPrefix(res.Stderr, fmt.Sprintf("error: %d certificate(s) fail the check (", failing)) {
			t.Errorf("exit %d with %d failing rows; stderr:\n%s", res.ExitCode, failing, res.Stderr)
		}
	}
}
