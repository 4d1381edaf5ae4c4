package certs

import (
	"strings"
	"testing"
)

// Each change is one line naming only what changed; the list of what is still pending is
// never repeated, and each certificate's re-issue is its own numbered line.
func TestPendingChanges(t *testing.T) {
	start := []string{"secret/a re-issued", "secret/b re-issued", "deployment/x to roll out: 0 of 1 pods updated"}
	got := pendingChanges(nil, start)
	want := []string{"waiting for deployment/x to roll out: 0 of 1 pods updated"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("first report: %q, want %q", got, want)
	}
	next := []string{"secret/b re-issued", "deployment/x to roll out: 1 of 1 pods updated", "cm/kubevirt-ca to trust secret/a"}
	got = pendingChanges(start, next)
	want = []string{"deployment/x to roll out: 1 of 1 pods updated", "waiting for cm/kubevirt-ca to trust secret/a"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("changes: %q, want %q", got, want)
	}
	if got := pendingChanges(next, next); len(got) != 0 {
		t.Errorf("no change printed %q", got)
	}
	got = pendingChanges(next, nil)
	want = []string{"deployment/x to roll out: done", "cm/kubevirt-ca to trust secret/a: done"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("all done: %q, want %q", got, want)
	}

	targets := []Target{{Secret: "a"}, {Secret: "b"}, {Secret: "c"}}
	got = reissueLines(targets, map[string]bool{"a": true, "b": true, "c": true}, map[string]bool{"b": true}, 0)
	want = []string{"secret/a re-issued (1 of 3)", "secret/c re-issued (2 of 3)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("re-issued: %q, want %q", got, want)
	}
	if got := reissueLines(targets, map[string]bool{"b": true}, map[string]bool{}, 2); strings.Join(got, "|") != "secret/b re-issued (3 of 3)" {
		t.Errorf("last: %q", got)
	}
}
