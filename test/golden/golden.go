// Package golden compares exact text with a file under a test's testdata/, and rewrites the
// file instead when the test runs with -update: one mechanism for the renderers' unit tests and
// the end-to-end scenarios.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests see now")

// Check compares got with testdata/name exactly; with -update it writes got there instead.
func Check(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test %s with -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from what the test sees (-update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
