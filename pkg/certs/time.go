package certs

import (
	"fmt"
	"time"
)

// Residual renders the time left until t as a short age, or how long ago it passed:
// "11d", "5h", "42m", "expired 3d ago".
func Residual(now, t time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return "expired " + shortDuration(-d) + " ago"
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
