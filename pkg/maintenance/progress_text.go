package maintenance

import "fmt"

// percentText is a drain's progress as tables show it: "-" when nothing reports it, so an
// object without status never reads as a drain stuck at 0%.
func percentText(progress int64, known bool) string {
	if !known {
		return "-"
	}
	return fmt.Sprintf("%d%%", progress)
}

// podsText is "evicted/to evict", or "-" when the operator never reported the counts.
func podsText(evicted, toEvict int64, known bool) string {
	if !known {
		return "-"
	}
	return fmt.Sprintf("%d/%d", evicted, toEvict)
}
