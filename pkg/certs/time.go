package certs

import (
	"fmt"
	"time"
)

// Residual renders the time left until t as a short age, or how long ago it passed:
// "11d", "5h", "42m", "3d ago" (STATUS says EXPIRED, so the word is left out to keep the
// table narrow).
func Residual(now, t time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return shortDuration(-d) + " ago"
	}
	return shortDuration(d)
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	default:
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
}

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
