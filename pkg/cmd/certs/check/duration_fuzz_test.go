package check

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// --warn-within and --fail-within take Go durations and whole days. Whatever is typed, an
// accepted value is never negative, a day count is exact, and what the flag prints (its
// default in --help) parses back to the same value.
func FuzzDayDurationSet(f *testing.F) {
	for _, s := range []string{"30d", "0", "0d", "12h", "90m", "1h30m", "-1d", "-5s", "1y", "d", "", "7 d", "+3d", "030d", "1.5h", "9223372036s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d DayDuration
		if err := d.Set(s); err != nil {
			if d != 0 {
				t.Fatalf("Set(%q) failed (%v) but changed the value to %d", s, err, d)
			}
			return
		}
		if n, ok := strings.CutSuffix(s, "d"); ok {
			days, err := strconv.Atoi(n)
			if err == nil && int64(days) > math.MaxInt64/int64(24*time.Hour) {
				t.Fatalf("Set(%q) accepted more days than a duration holds, as %v", s, time.Duration(d))
			}
			if err == nil && time.Duration(d) != time.Duration(days)*24*time.Hour {
				t.Fatalf("Set(%q) = %v, want %d days", s, time.Duration(d), days)
			}
		}
		if d < 0 {
			t.Fatalf("Set(%q) accepted a negative duration %v", s, time.Duration(d))
		}
		var back DayDuration
		if err := back.Set(d.String()); err != nil || back != d {
			t.Fatalf("Set(%q) = %v prints as %q, which parses as %v (%v)", s, time.Duration(d), d.String(), time.Duration(back), err)
		}
	})
}
