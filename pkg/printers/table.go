package printers

import (
	"bytes"
	"io"
	"strings"
	"text/tabwriter"
)

// table is the one tabwriter of the package, whose output has no trailing blanks: an empty
// last column would otherwise leave padding at the end of lines, which shows up in diffs and
// copied text.
type table struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
	out io.Writer
}

// newTable separates columns by two blanks and sets no minimum width, as kubectl describe
// does: kubectl get's three blanks would push the longest certificate rows past 120 columns.
func newTable(out io.Writer) *table { return newSpacedTable(out, 0, 2) }

// newSpacedTable is a table whose columns are at least minWidth wide and padding blanks apart
// (minWidth counts the padding, as tabwriter's does).
func newSpacedTable(out io.Writer, minWidth, padding int) *table {
	t := &table{out: out}
	t.tw = tabwriter.NewWriter(&t.buf, minWidth, 8, padding, ' ', 0)
	return t
}

func (t *table) Write(p []byte) (int, error) { return t.tw.Write(p) }

func (t *table) Flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	lines := strings.SplitAfter(t.buf.String(), "\n")
	t.buf.Reset()
	for _, l := range lines {
		nl := strings.HasSuffix(l, "\n")
		l = strings.TrimRight(l, " \n")
		if nl {
			l += "\n"
		}
		if _, err := io.WriteString(t.out, l); err != nil {
			return err
		}
	}
	return nil
}
