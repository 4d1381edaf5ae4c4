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

// ColorEnabled reports whether w may receive ANSI colour: a terminal, NO_COLOR unset
// (https://no-color.org: any value disables), and TERM not "dumb".
func ColorEnabled(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
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
