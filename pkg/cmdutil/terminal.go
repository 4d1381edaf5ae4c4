package cmdutil

import (
	"io"
	"os"

	"golang.org/x/term"
)

// fder is what *os.File and terminal wrappers expose.
type fder interface{ Fd() uintptr }

// IsTerminal reports whether r or w is an interactive terminal. Progress displays, prompts and
// colour depend on it; pipes and files get plain, line-oriented output.
func IsTerminal(s any) bool {
	f, ok := s.(fder)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// ColorEnabled reports whether w may receive ANSI colour: a terminal, NO_COLOR empty or unset
// (https://no-color.org: present and not empty disables, whatever its value), and TERM not
// "dumb".
func ColorEnabled(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	return IsTerminal(w)
}

// TerminalWidth returns the width of w when it is a terminal, or 0.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(fder)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}
