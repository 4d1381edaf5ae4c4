//go:build e2e

package e2e

import (
	"sort"
	"strings"
	"testing"

	goldenfile "github.com/oc-cnv/oc-cnv/test/golden"
)

// golden compares the exact text a command printed with testdata/name. What differs from run to
// run (a node's or namespace's name) is written in the file as {{KEY}}: vars maps each KEY to
// this run's value, which is replaced in got, longest value first, before comparing. With
// -update the file is rewritten from got instead.
func golden(t *testing.T, name, got string, vars map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(vars[keys[i]]) > len(vars[keys[j]]) })
	for _, k := range keys {
		got = strings.ReplaceAll(got, vars[k], "{{"+k+"}}")
	}
	goldenfile.Check(t, name, got)
}
