package list

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
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
