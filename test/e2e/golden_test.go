//go:build e2e

package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under test/e2e/testdata from what the tests see")

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
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -tags e2e -run %s ./test/e2e -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from what was printed (-update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
