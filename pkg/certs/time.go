package certs

import (
	"fmt"
	"time"
)

// FormatTime is how tables show instants: UTC to the minute.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

// FormatWindow renders a --warn-within or --fail-within value: whole days as "30d", else as
// Go prints durations ("12h0m0s").
func FormatWindow(d time.Duration) string {
	if d != 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
