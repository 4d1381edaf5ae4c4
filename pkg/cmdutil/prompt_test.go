package cmdutil

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPrompterConfirm(t *testing.T) {
	cases := []struct {
		name     string
		terminal bool
		input    string
		code     int // 0: confirmed
		out      string
		msg      string
	}{
		{"yes", true, "y\n", ExitOK, "Go? [y/N]: ", ""},
		{"YES with spaces", true, "  YES \n", ExitOK, "Go? [y/N]: ", ""},
		{"no", true, "n\n", ExitDeclined, "Go? [y/N]: ", NothingChanged},
		{"empty line is no", true, "\n", ExitDeclined, "Go? [y/N]: ", NothingChanged},
		{"end of input is no", true, "", ExitDeclined, "Go? [y/N]: \n", NothingChanged},
		{"no terminal", false, "y\n", ExitUsage, "", "not doing it without confirmation: standard input is not a terminal, so none can be asked; pass --yes to go ahead (nothing was changed)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &Prompter{In: strings.NewReader(c.input), Out: &out, IsTerminal: func() bool { return c.terminal }}
			err := p.Confirm(context.Background(), "Go?", "doing it")
			if got := ExitCode(err); got != c.code {
				t.Fatalf("exit %d (%v), want %d", got, err, c.code)
			}
			if err != nil && err.Error() != c.msg {
				t.Errorf("message %q, want %q", err.Error(), c.msg)
			}
			if out.String() != c.out {
				t.Errorf("wrote %q, want %q", out.String(), c.out)
			}
		})
	}
}

// Ctrl-C cancels the context; the answer is never read, yet Confirm returns at once.
func TestPrompterInterrupted(t *testing.T) {
	r, w := io.Pipe()
	defer func() { _ = w.Close() }()
	var out bytes.Buffer
	p := &Prompter{In: r, Out: &out, IsTerminal: func() bool { return true }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Confirm(ctx, "Go?", "doing it") }()
	cancel()
	select {
	case err := <-done:
		if ExitCode(err) != ExitInterrupted || err.Error() != NothingChanged {
			t.Errorf("got %v (exit %d)", err, ExitCode(err))
		}
		var b bytes.Buffer
		PrintError(&b, DefaultProgram(), err)
		if b.String() != NothingChanged+"\n" {
			t.Errorf("printed %q", b.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Confirm still waits for an answer after the interrupt")
	}
}

// Only the answer's line is consumed, so input that follows stays for whoever reads next.
func TestPrompterReadsOneLine(t *testing.T) {
	in := strings.NewReader("y\nrest")
	p := &Prompter{In: in, Out: io.Discard, IsTerminal: func() bool { return true }}
	if err := p.Confirm(context.Background(), "Go?", "x"); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(in)
	if string(rest) != "rest" {
		t.Errorf("left %q", rest)
	}
}

func TestPrintError(t *testing.T) {
	var b bytes.Buffer
	PrintError(&b, DefaultProgram(), UsageErrorf("bad"))
	PrintError(&b, DefaultProgram(), &Error{Code: ExitInterrupted, Err: io.EOF, Bare: true})
	PrintError(&b, ProgramFromArgs0("kubectl-cnv"), UsageErrorf("run `oc cnv certs rotate`; %s", LoginHint))
	if b.String() != "error: bad\nEOF\nerror: run `kubectl cnv certs rotate`; log in to the cluster (a kubeconfig context with credentials)\n" {
		t.Errorf("%q", b.String())
	}
}
