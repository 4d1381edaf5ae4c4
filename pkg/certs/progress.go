package certs

import (
	"fmt"
	"strings"
	"time"
)

// Phases of a component's rotation.
const (
	PhaseRotating = "rotating"
	PhaseWaiting  = "waiting"
	PhaseDone     = "done"
)

// ComponentState is where one component's rotation stands.
type ComponentState struct {
	Phase string
	// Reissued of Targets certificates are re-issued.
	Reissued, Targets int
	// Pending is what the rotation still waits for.
	Pending []string
	Started time.Time
}

// Progress is one change of a rotation: Line says what changed, in a few words, and State is
// the component's state after it. Component is empty for what concerns no single component.
type Progress struct {
	Component string
	Line      string
	State     ComponentState
}

// pendingKey identifies a pending item across its changing details ("deployment/x to roll
// out: 1 of 3 pods updated" and "...: 2 of 3 ..." are one item).
func pendingKey(item string) string {
	k, _, _ := strings.Cut(item, ":")
	return k
}

// pendingChanges are the lines saying how what the rotation waits for changed from before to
// now: one per item that appeared, changed or is done. Certificates are left out: their
// re-issue is reported as it happens (reissueLines).
func pendingChanges(before, now []string) []string {
	prev := map[string]string{}
	for _, p := range before {
		prev[pendingKey(p)] = p
	}
	cur := map[string]bool{}
	var out []string
	for _, p := range now {
		if isReissueItem(p) {
			continue
		}
		k := pendingKey(p)
		cur[k] = true
		switch old, had := prev[k]; {
		case !had:
			out = append(out, "waiting for "+p)
		case old != p:
			out = append(out, p)
		}
	}
	for _, p := range before {
		if k := pendingKey(p); !isReissueItem(p) && !cur[k] {
			out = append(out, k+": done")
		}
	}
	return out
}

func isReissueItem(p string) bool { return strings.HasSuffix(p, " re-issued") }

// reissueLines says which targets were re-issued since the last look, numbered in order:
// "secret/x re-issued (3 of 9)". done counts those re-issued before.
func reissueLines(targets []Target, wasPending, isPending map[string]bool, done int) []string {
	var out []string
	for _, t := range targets {
		if wasPending[t.Secret] && !isPending[t.Secret] {
			done++
			out = append(out, fmt.Sprintf("secret/%s re-issued (%d of %d)", t.Secret, done, len(targets)))
		}
	}
	return out
}
