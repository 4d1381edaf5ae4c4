//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

var (
	progressLine = regexp.MustCompile(`^\d\d:\d\d:\d\d (kubevirt|cdi|kubemacpool|ssp|olm): (.*)$`)
	// What a progress line may say: a step of the plan, a certificate re-issued, something
	// new or changed that the rotation waits for, or that it is done.
	progressTexts = []*regexp.Regexp{
		regexp.MustCompile(`^rotating in namespace \S+ \((reissue|recreate)\)$`),
		regexp.MustCompile(`^(set|delete|remove|restart|scale|restore) \S.*$`),
		regexp.MustCompile(`^waiting for \d+ certificate\(s\) to be re-issued$`),
		regexp.MustCompile(`^secret/\S+ re-issued \(\d+ of \d+\)$`),
		regexp.MustCompile(`^waiting for (deployment|daemonset|cm|vwc|mwc|apiservice|route|service)/\S+ [^;]+$`),
		regexp.MustCompile(`^(deployment|daemonset)/\S+ to (start rolling out|roll out: [^;]+)$`),
		regexp.MustCompile(`^service/\S+ to serve the new certificate: pod/\S+ still serves the old one$`),
		regexp.MustCompile(`^(service \S+ \(secret/\S+\)|pod/\S+ port \d+ \(service \S+ \(secret/\S+\)\)): .*was not checked.*$`),
		regexp.MustCompile(`^\S+ [^;]*: done$`),
		regexp.MustCompile(`^done$`),
	}
	reissuedLine = regexp.MustCompile(`^secret/(\S+) re-issued \((\d+) of (\d+)\)$`)
	// A line's length is judged without the names it carries (kind/name, an annotation key, a
	// namespace) and without a quoted error: those are as long as they are.
	objectName    = regexp.MustCompile(`[a-z0-9.-]+/[A-Za-z0-9._-]+|namespace \S+`)
	notCheckedErr = regexp.MustCompile(`was not checked.*$`)
)

// ownWords is what a progress line says besides the names and the error it carries.
func ownWords(l string) string {
	return objectName.ReplaceAllString(notCheckedErr.ReplaceAllString(l, "was not checked"), "N")
}

// Piped, the rotation's progress is one short line per change naming only what changed: each
// step, each certificate as it is re-issued (numbered), each new thing waited for; never the
// whole list of what is still pending.
func TestCertsRotateProgressLines(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt.cdi.kubemacpool.ssp", nil)
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d", res.ExitCode)
	}
	seen := map[string][]string{}
	n := 0
	for _, l := range strings.Split(res.Stdout, "\n") {
		m := progressLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n++
		comp, text := m[1], m[2]
		if w := ownWords(l); len(w) > 100 {
			t.Errorf("progress line of %d columns besides its names: %s", len(w), l)
		}
		ok := false
		for _, re := range progressTexts {
			ok = ok || re.MatchString(text)
		}
		if !ok {
			t.Errorf("progress line says something other than one change: %s", l)
		}
		if prev := seen[comp]; len(prev) > 0 && prev[len(prev)-1] == text {
			t.Errorf("a line repeated: %s", l)
		}
		seen[comp] = append(seen[comp], text)
	}
	if n == 0 {
		t.Fatalf("no progress lines on stdout:\n%s", res.Stdout)
	}
	for _, comp := range []string{"kubevirt", "cdi", "kubemacpool", "ssp"} {
		var got []string
		total := ""
		for _, text := range seen[comp] {
			if m := reissuedLine.FindStringSubmatch(text); m != nil {
				got = append(got, m[2])
				total = m[3]
			}
		}
		var want []string
		for i := range got {
			want = append(want, fmt.Sprint(i+1))
		}
		if len(got) == 0 || strings.Join(got, ",") != strings.Join(want, ",") || total != fmt.Sprint(len(got)) {
			t.Errorf("%s: re-issue lines numbered %v of %s, want 1 to %d of %d:\n%s", comp, got, total, len(got), len(got), strings.Join(seen[comp], "\n"))
		}
	}
}

// On a terminal the progress is a live block redrawn in place on stderr, one headline per
// component, and ends showing each component done.
func TestCertsRotateProgressOnATerminal(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt.ssp", nil)
	p, _ := env.StartTTY(t, framework.RunOptions{}, 120, 50, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m")
	p.WaitOutput(t, rotateTimeout, "re-issued and trusted, served; pods Ready.")
	res := p.Wait(t, rotateTimeout)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d", res.ExitCode)
	}
	out := res.Stdout
	if !strings.Contains(out, "\x1b[2K") || !regexp.MustCompile(`\x1b\[\d+A`).MatchString(out) {
		t.Errorf("no block redrawn in place:\n%q", out)
	}
	for _, re := range []string{`kubevirt\s+done\s+(\d+)/(\d+) re-issued`, `ssp\s+done\s+1/1 re-issued`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the last block does not show %s:\n%s", re, out)
		}
	}
	if m := regexp.MustCompile(`kubevirt\s+done\s+(\d+)/(\d+) re-issued`).FindStringSubmatch(out); m != nil && m[1] != m[2] {
		t.Errorf("kubevirt done with %s of %s re-issued", m[1], m[2])
	}
	if regexp.MustCompile(`\d\d:\d\d:\d\d (kubevirt|ssp): `).MatchString(out) {
		t.Errorf("line-per-change progress on a terminal:\n%s", out)
	}
}
