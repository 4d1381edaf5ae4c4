// Package liveblock redraws a block of lines in place at the bottom of a terminal: the live
// progress displays of `maintenance start` and `certs rotate` share it. It is not safe for
// concurrent use; its callers hold their own lock.
package liveblock

import (
	"fmt"
	"io"
	"strings"
)

// Block is the lines last drawn on Out. Width is the terminal's width in columns; lines are
// cut to it, because a wrapped line would throw off the cursor movement that redraws the
// block.
type Block struct {
	Out   io.Writer
	Width int

	drawn int
}

// Draw replaces the block on screen with lines.
func (b *Block) Draw(lines []string) {
	var out strings.Builder
	if b.drawn > 0 {
		// Move to the start of the previous block and overwrite it line by line.
		fmt.Fprintf(&out, "\x1b[%dA", b.drawn)
	}
	for _, l := range lines {
		out.WriteString("\r\x1b[2K" + Fit(l, b.Width) + "\n")
	}
	// Clear lines left over from a taller previous block.
	for i := len(lines); i < b.drawn; i++ {
		out.WriteString("\r\x1b[2K\n")
	}
	if extra := b.drawn - len(lines); extra > 0 {
		fmt.Fprintf(&out, "\x1b[%dA", extra)
	}
	b.drawn = len(lines)
	_, _ = io.WriteString(b.Out, out.String())
}

// Clear wipes the block, so that what is written next takes its place; the next Draw starts
// below it.
func (b *Block) Clear() {
	if b.drawn > 0 {
		fmt.Fprintf(b.Out, "\x1b[%dA\r\x1b[J", b.drawn)
		b.drawn = 0
	}
}

// Drawn reports whether the block is on screen.
func (b *Block) Drawn() bool { return b.drawn > 0 }

// Fit cuts a line to width columns (one rune per column, which holds for the names and
// arrows the displays use), marking the cut with an ellipsis; width 0 leaves it whole.
func Fit(line string, width int) string {
	if width <= 0 {
		return line
	}
	r := []rune(line)
	if len(r) < width {
		return line
	}
	return string(r[:width-2]) + "…"
}
