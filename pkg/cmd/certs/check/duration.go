package check

import (
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

func (d *DayDuration) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		// More days than a time.Duration holds (about 106751) would wrap around.
		if err != nil || days < 0 || days > int(math.MaxInt64/int64(24*time.Hour)) {
			return fmt.Errorf("invalid duration %q: use e.g. 30d, 12h or 0", s)
		}
		*d = DayDuration(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("invalid duration %q: use e.g. 30d, 12h or 0", s)
	}
	*d = DayDuration(v)
	return nil
}

func (d *DayDuration) Type() string { return "duration" }
