package list

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// rowPrinter aligns rows printed one at a time, as --watch does: a column only ever grows, so
// later rows line up with earlier ones unless a cell is wider than all before it.
type rowPrinter struct {
	out    io.Writer
	widths []int
}

func (p *rowPrinter) print(cells []string) error {
	for i, c := range cells {
		if i >= len(p.widths) {
			p.widths = append(p.widths, 0)
		}
		if n := utf8.RuneCountInString(c); n > p.widths[i] {
			p.widths[i] = n
		}
	}
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(c)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", p.widths[i]-utf8.RuneCountInString(c)+3))
		}
	}
	_, err := fmt.Fprintln(p.out, b.String())
	return err
}

// rowTracker prints a maintenance's row only when it differs from the last one printed for
// that maintenance. Informers notify far more often than a row changes: every heartbeat of a
// node, every relist after a dropped watch.
type rowTracker struct {
	rp   *rowPrinter
	wide bool
	now  func() time.Time
	// age is the AGE column, left out of the comparison: it moves with the clock, so a
	// heartbeat would otherwise reprint every row of a young maintenance.
	age  int
	last map[rowKey]shownRow
}

// rowKey names a maintenance: a NodeMaintenance by its name, a --method=drain one by its node.
type rowKey struct {
	method maintenance.Method
	name   string
}

type shownRow struct {
	entry maintenance.ListEntry
	text  string
}

func newRowTracker(rp *rowPrinter, wide bool, now func() time.Time) *rowTracker {
	age := -1
	for i, h := range printers.MaintenanceListHeaders(wide) {
		if h == "AGE" {
			age = i
		}
	}
	return &rowTracker{rp: rp, wide: wide, now: now, age: age, last: map[rowKey]shownRow{}}
}

func keyOf(e maintenance.ListEntry) rowKey {
	if e.Method == maintenance.MethodDrain {
		return rowKey{method: e.Method, name: e.NodeName}
	}
	return rowKey{method: e.Method, name: e.Name}
}

// show prints the entry's row unless it is the one last printed for the maintenance.
func (t *rowTracker) show(e maintenance.ListEntry) error {
	cells := printers.MaintenanceListRow(e, t.wide, t.now())
	k, text := keyOf(e), t.compared(cells)
	if s, ok := t.last[k]; ok && s.text == text {
		return nil
	}
	t.last[k] = shownRow{entry: e, text: text}
	return t.rp.print(cells)
}

// showDeleted prints the Deleted row of a maintenance that was shown and has ended; one never
// shown has nothing to take back. A node out of maintenance no longer carries its reason and
// start time, so its row repeats the last one shown.
func (t *rowTracker) showDeleted(e maintenance.ListEntry) error {
	k := keyOf(e)
	s, ok := t.last[k]
	if !ok {
		return nil
	}
	delete(t.last, k)
	if e.Method == maintenance.MethodDrain {
		e = s.entry
	}
	e.VMs = s.entry.VMs
	e.Phase = phaseDeleted
	return t.rp.print(printers.MaintenanceListRow(e, t.wide, t.now()))
}

// phaseDeleted is the PHASE of an ended maintenance's last row, as kubectl get --watch shows
// deleted objects.
const phaseDeleted = "Deleted"

func (t *rowTracker) compared(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i != t.age {
			b.WriteString(c)
		}
		b.WriteByte(0)
	}
	return b.String()
}
