package cmdutil

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Prompter asks the one yes/no question a command puts before it changes the cluster. Every
// command that confirms uses it, so they all follow one rule (docs/user-guide.md):
//
//   - standard input is not a terminal: nobody can answer, so the command refuses (exit 2)
//     unless --yes was given, rather than go ahead unasked;
//   - anything but y/yes, end of input included: exit 8 (Declined), nothing changed;
//   - Ctrl-C at the question: exit 130 at once, nothing changed.
type Prompter struct {
	In io.Reader
	// Out receives the question: stderr, so that stdout stays the command's record.
	Out io.Writer
	// IsTerminal says whether In is a terminal; a field so unit tests can pretend.
	IsTerminal func() bool
}

// NewPrompter asks on stderr and reads the answer from stdin.
func NewPrompter(in io.Reader, errOut io.Writer) *Prompter {
	return &Prompter{In: in, Out: errOut, IsTerminal: func() bool { return IsTerminal(in) }}
}

// NothingChanged is the one line a command ends with when the question was not answered yes.
const NothingChanged = "Nothing was changed."

// Confirm returns nil when the user answered yes, and otherwise the error the command ends
// with. action says what yes does ("starting maintenance on node02"), for the refusal without a
// terminal. ctx ends when Ctrl-C arrives: the read of the answer is abandoned, since a terminal
// read cannot be interrupted, and the process exits right after.
func (p *Prompter) Confirm(ctx context.Context, question, action string) error {
	if !p.IsTerminal() {
		return UsageErrorf("not %s without confirmation: standard input is not a terminal, so none can be asked; pass --yes to go ahead (nothing was changed)", action)
	}
	fmt.Fprintf(p.Out, "%s [y/N]: ", question)
	answer := make(chan string, 1)
	go func() { answer <- readLine(p.In) }()
	select {
	case <-ctx.Done():
		// The terminal has echoed ^C after the question; end its line.
		fmt.Fprintln(p.Out)
		return &Error{Code: ExitInterrupted, Err: fmt.Errorf("%s", NothingChanged), Bare: true}
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return nil
		}
		if !strings.HasSuffix(line, "\n") {
			// End of input (Ctrl-D) leaves the cursor after the question.
			fmt.Fprintln(p.Out)
		}
		return &Error{Code: ExitDeclined, Err: fmt.Errorf("%s", NothingChanged), Bare: true}
	}
}

// readLine reads up to and including the first newline one byte at a time, so that nothing
// after the answer is taken from the input.
func readLine(r io.Reader) string {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			b.WriteByte(buf[0])
			if buf[0] == '\n' {
				return b.String()
			}
		}
		if err != nil {
			return b.String()
		}
	}
}
