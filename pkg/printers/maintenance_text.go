package printers

import (
	"fmt"
	"strings"
)

// orNone shows an empty value as kubectl does.
func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// orWaiting shows a maintenance before its operator set a phase as the phase it is in.
func orWaiting(phase string) string {
	if phase == "" {
		return "Pending"
	}
	return phase
}

// firstLine keeps a multi-line message from breaking a table or a progress line.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// podsText is "evicted/to evict", or "-" when the operator never reported the counts.
func podsText(evicted, toEvict int64, known bool) string {
	if !known {
		return "-"
	}
	return fmt.Sprintf("%d/%d", evicted, toEvict)
}
