package framework

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Result is what a finished oc-cnv process produced.
type Result struct {
	Stdout   string
	Stderr   string
	ExitCode int
}

// RunOptions adjust one invocation.
type RunOptions struct {
	// Stdin is fed to the process; nil means an empty, non-terminal stdin.
	Stdin io.Reader
	// Env is added to the environment (KEY=VALUE).
	Env []string
	// Timeout bounds the whole run (default 2 minutes).
	Timeout time.Duration
	// Kubeconfig overrides the cluster admin kubeconfig (e.g. a restricted user's).
	Kubeconfig string
	// Bin overrides the binary (e.g. a copy named kubectl-cnv).
	Bin string
}

func (e *Env) command(ctx context.Context, o RunOptions, args []string) *exec.Cmd {
	bin := e.Bin
	if o.Bin != "" {
		bin = o.Bin
	}
	kc := e.Kubeconfig
	if o.Kubeconfig != "" {
		kc = o.Kubeconfig
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kc, "NO_COLOR=")
	cmd.Env = append(cmd.Env, o.Env...)
	// HOME under the test's control keeps the discovery cache of one run from leaking into another.
	return cmd
}

// Run runs oc-cnv with args and waits for it to finish.
func (e *Env) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return e.RunWith(t, RunOptions{}, args...)
}

// RunWith runs oc-cnv with options.
func (e *Env) RunWith(t testing.TB, o RunOptions, args ...string) Result {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	cmd := e.command(ctx, o, args)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if o.Stdin != nil {
		cmd.Stdin = o.Stdin
	}
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		t.Fatalf("running oc-cnv %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("oc-cnv %s did not finish within %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.Timeout, res.Stdout, res.Stderr)
	}
	t.Logf("$ oc-cnv %s  (exit %d)\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
	return res
}

// Process is an oc-cnv process running in the background.
type Process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	errOut *syncBuffer
	done   chan struct{}
	result Result
}

// Start runs oc-cnv in the background; stdout and stderr are pipes (not a terminal).
func (e *Env) Start(t testing.TB, o RunOptions, args ...string) *Process {
	t.Helper()
	cmd := e.command(context.Background(), o, args)
	p := &Process{cmd: cmd, out: &syncBuffer{}, errOut: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.errOut
	if o.Stdin != nil {
		cmd.Stdin = o.Stdin
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting oc-cnv: %v", err)
	}
	go p.wait()
	t.Cleanup(func() { p.Kill() })
	return p
}

// StartTTY runs oc-cnv with stdin, stdout and stderr on a pseudo-terminal of the given size, as
// a user at a terminal would. Everything it writes is in Stdout of the result.
func (e *Env) StartTTY(t testing.TB, o RunOptions, cols, rows uint16, args ...string) (*Process, *os.File) {
	t.Helper()
	cmd := e.command(context.Background(), o, args)
	cmd.Env = append(cmd.Env, "TERM=xterm")
	p := &Process{cmd: cmd, out: &syncBuffer{}, errOut: &syncBuffer{}, done: make(chan struct{})}
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		t.Fatalf("starting oc-cnv on a pty: %v", err)
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(p.out, f); close(copied) }()
	go func() {
		p.wait()
	}()
	t.Cleanup(func() { p.Kill(); _ = f.Close(); <-copied })
	return p, f
}

func (p *Process) wait() {
	err := p.cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		p.result.ExitCode = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.result.ExitCode = 128 + int(ws.Signal())
		}
	}
	close(p.done)
}

// Output returns what the process has written so far.
func (p *Process) Output() (stdout, stderr string) { return p.out.String(), p.errOut.String() }

// Exited reports whether the process has ended and, if so, its result, without waiting.
func (p *Process) Exited() (Result, bool) {
	select {
	case <-p.done:
		r := p.result
		r.Stdout, r.Stderr = p.Output()
		return r, true
	default:
		return Result{}, false
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill ends the process if it still runs.
func (p *Process) Kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Wait waits up to timeout for the process to exit and returns its result.
func (p *Process) Wait(t testing.TB, timeout time.Duration) Result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		so, se := p.Output()
		p.Kill()
		t.Fatalf("oc-cnv did not exit within %s\nstdout:\n%s\nstderr:\n%s", timeout, so, se)
	}
	p.result.Stdout, p.result.Stderr = p.Output()
	t.Logf("background oc-cnv exited %d\n--- stdout\n%s--- stderr\n%s", p.result.ExitCode, p.result.Stdout, p.result.Stderr)
	return p.result
}

// WaitOutput waits until the process output (stdout+stderr) contains s.
func (p *Process) WaitOutput(t testing.TB, timeout time.Duration, s string) {
	t.Helper()
	WaitFor(t, timeout, "output containing "+s, func() (bool, error) {
		so, se := p.Output()
		return strings.Contains(so, s) || strings.Contains(se, s), nil
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// KubectlLink returns a kubectl-cnv link to the binary, as `make install` makes it and as
// kubectl runs it: run with RunOptions.Bin, the binary speaks as `kubectl cnv`.
func (e *Env) KubectlLink(t testing.TB) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), "kubectl-cnv")
	if err := os.Symlink(e.Bin, link); err != nil {
		t.Fatal(err)
	}
	return link
}
