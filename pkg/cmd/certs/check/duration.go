package check

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DayDuration is a flag value that also accepts whole days ("30d"), the unit certificate
// lifetimes are thought of in, besides Go durations ("12h", "90m").
type DayDuration time.Duration

func (d *DayDuration) String() string {
	v := time.Duration(*d)
	if v != 0 && v%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", v/(24*time.Hour))
	}
	return v.String()
}

// maxDays is the most whole days a time.Duration holds (106751).
const maxDays = int(math.MaxInt64 / int64(24*time.Hour))

func (d *DayDuration) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return fmt.Errorf("invalid duration %q: use e.g. 30d, 12h or 0", s)
		case err == nil && days < 0, err != nil && strings.HasPrefix(n, "-"):
			return fmt.Errorf("invalid duration %q: it must not be negative; use e.g. 30d, 12h or 0", s)
		// More days than a time.Duration holds would wrap around.
		case err != nil || days > maxDays:
			return fmt.Errorf("invalid duration %q: at most %dd (about 292 years); use e.g. 30d, 12h or 0", s, maxDays)
		}
		*d = DayDuration(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err == nil && v < 0 {
		return fmt.Errorf("invalid duration %q: it must not be negative; use e.g. 30d, 12h or 0", s)
	}
	if err != nil {
		return fmt.Errorf("invalid duration %q: use e.g. 30d, 12h or 0", s)
	}
	*d = DayDuration(v)
	return nil
}

func (d *DayDuration) Type() string { return "duration" }
