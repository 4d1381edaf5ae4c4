package rotate

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
	"github.com/oc-cnv/oc-cnv/pkg/liveblock"
)

// progressView shows a rotation's progress: on a terminal a block per component redrawn in
// place (the mechanism maintenance start uses), otherwise one timestamped line per change.
type progressView struct {
	out  io.Writer
	live bool
	now  func() time.Time

	mu     sync.Mutex
	block  liveblock.Block
	order  []string
	states map[string]certs.ComponentState
	last   map[string]string
	closed bool
}

// newProgressView starts the view; the returned stop ends the redraws and leaves the last
// block on screen, so that what is printed next comes below it.
func newProgressView(ctx context.Context, out io.Writer, live bool, width int) (*progressView, func()) {
	v := &progressView{out: out, live: live, now: time.Now, block: liveblock.Block{Out: out, Width: width},
		states: map[string]certs.ComponentState{}, last: map[string]string{}}
	if !live {
		return v, func() {}
	}
	cancel := liveblock.EverySecond(ctx, func() {
		v.mu.Lock()
		if !v.closed && len(v.order) > 0 {
			v.block.Draw(v.lines())
		}
		v.mu.Unlock()
	})
	return v, func() {
		cancel()
		v.mu.Lock()
		defer v.mu.Unlock()
		if !v.closed && len(v.order) > 0 {
			v.block.Draw(v.lines())
		}
		v.closed = true
	}
}

// show takes one change of the rotation.
func (v *progressView) show(p certs.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.live || v.closed {
		prefix := ""
		if p.Component != "" {
			prefix = p.Component + ": "
		}
		fmt.Fprintf(v.out, "%s %s%s\n", v.now().Format("15:04:05"), prefix, p.Line)
		return
	}
	if p.Component == "" {
		// Not about one component (a retried request): a line of its own above the block.
		v.block.Clear()
		fmt.Fprintln(v.out, p.Line)
	} else {
		if _, ok := v.states[p.Component]; !ok {
			v.order = append(v.order, p.Component)
		}
		v.states[p.Component], v.last[p.Component] = p.State, p.Line
	}
	if len(v.order) > 0 {
		v.block.Draw(v.lines())
	}
}

// lines is the block: per component a headline with its phase, the certificates re-issued so
// far and the time it has taken, then, until it is done, its last change and what it waits
// for.
func (v *progressView) lines() []string {
	width := 0
	for _, c := range v.order {
		width = max(width, len(c))
	}
	var out []string
	for _, c := range v.order {
		st := v.states[c]
		out = append(out, fmt.Sprintf("%-*s  %-8s  %d/%d re-issued  %s", width, c, st.Phase, st.Reissued, st.Targets,
			v.now().Sub(st.Started).Round(time.Second)))
		if st.Phase == certs.PhaseDone {
			continue
		}
		out = append(out, "  "+v.last[c])
		if n := len(st.Pending); n > 0 {
			more := ""
			if n > 1 {
				more = fmt.Sprintf(" (and %d more)", n-1)
			}
			out = append(out, "  waiting for "+st.Pending[0]+more)
		}
	}
	return out
}
