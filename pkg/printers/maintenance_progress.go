package printers

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/liveblock"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/follow"
)

// MaintenanceProgress shows the snapshots of one or more nodes. On a terminal it redraws a block
// in place (Live); otherwise it writes one plain line per change, which reads well in CI logs
// and files. It is safe for concurrent use by several followers.
type MaintenanceProgress struct {
	Out  io.Writer
	Live bool
	// Width is the terminal's width in columns. Live lines are cut to it, because a wrapped
	// line would throw off the cursor movement that redraws the block.
	Width int
	Now   func() time.Time

	mu     sync.Mutex
	last   map[string]follow.Snapshot
	order  []string
	block  liveblock.Block
	closed bool
}

// Update records a snapshot and prints what changed.
func (p *MaintenanceProgress) Update(s follow.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[string]follow.Snapshot{}
	}
	prev, had := p.last[s.Node]
	if !had {
		p.order = append(p.order, s.Node)
	}
	p.last[s.Node] = s
	if p.Live {
		p.redraw()
		return
	}
	for _, line := range ProgressChangeLines(prev, had, s) {
		fmt.Fprintln(p.Out, line)
	}
}

// Refresh redraws the live block so elapsed times advance between events. It does nothing
// when not live.
func (p *MaintenanceProgress) Refresh() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Live && !p.closed {
		p.redraw()
	}
}

// Say writes a line to w (usually stdout) without corrupting the live block: the block is
// wiped, the line written, and the block drawn again below it. Result lines and the block may
// share one terminal, and the block's cursor arithmetic only holds if it is last on screen.
func (p *MaintenanceProgress) Say(w io.Writer, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Live {
		p.blk().Clear()
	}
	fmt.Fprintln(w, line)
	if p.Live && len(p.order) > 0 && !p.closed {
		p.redraw()
	}
}

// Finish ends the display of one node: on a terminal its last block is printed for good
// (no longer redrawn) followed by line on w, and the other nodes' blocks continue below; in
// line mode only line is written.
func (p *MaintenanceProgress) Finish(node string, w io.Writer, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.Live {
		fmt.Fprintln(w, line)
		return
	}
	p.blk().Clear()
	if s, ok := p.last[node]; ok {
		var b strings.Builder
		RenderProgressBlock(&b, s, p.now())
		_, _ = io.WriteString(p.Out, b.String())
	}
	fmt.Fprintln(w, line)
	var rest []string
	for _, n := range p.order {
		if n != node {
			rest = append(rest, n)
		}
	}
	p.order = rest
	delete(p.last, node)
	if len(p.order) > 0 && !p.closed {
		p.redraw()
	}
}

// Close leaves the last block on screen and stops redrawing.
func (p *MaintenanceProgress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
}

func (p *MaintenanceProgress) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *MaintenanceProgress) redraw() {
	var b strings.Builder
	for _, n := range p.order {
		RenderProgressBlock(&b, p.last[n], p.now())
	}
	p.blk().Draw(strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"))
}

// blk is the live block on Out, set up on first use so that Out and Width given after
// construction count.
func (p *MaintenanceProgress) blk() *liveblock.Block {
	if p.block.Out == nil {
		p.block = liveblock.Block{Out: p.Out, Width: p.Width}
	}
	return &p.block
}

// RenderProgressBlock writes the terminal block for one node: a headline with the drain's
// progress, then one line per VM with its state, route and elapsed time.
func RenderProgressBlock(w io.Writer, s follow.Snapshot, now time.Time) {
	fmt.Fprintf(w, "%s  %s  drain %s  pods %s  %s\n", s.Node, orWaiting(s.Phase), maintenance.PercentText(s.DrainProgress, s.DrainKnown),
		podsText(s.Evicted(), s.EvictionPods, s.PodCountsKnown), follow.Elapsed(now.Sub(s.Started)))
	tw := newTable(w)
	for _, v := range s.VMs {
		el := ""
		if !v.Started.IsZero() {
			end := now
			if !v.Finished.IsZero() {
				end = v.Finished
			}
			// A shutdown seen at once has no meaningful duration.
			if d := end.Sub(v.Started); v.Finished.IsZero() || d >= time.Second {
				el = follow.Elapsed(d)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", v.Key(), stateText(v), route(v), el, v.Message)
	}
	_ = tw.Flush()
	if s.LastError != "" {
		fmt.Fprintf(w, "  last error: %s\n", maintenance.ExplainLastError(firstLine(s.LastError)))
	}
}

func stateText(v follow.VMProgress) string {
	if v.State == follow.VMQueued {
		return fmt.Sprintf("Queued (%d of %d)", v.QueuePos, v.QueueLen)
	}
	if v.State == follow.VMMigrating && v.MigrationPhase != "" {
		return string(v.State) + " (" + v.MigrationPhase + ")"
	}
	return string(v.State)
}

func route(v follow.VMProgress) string {
	if v.Target == "" {
		return v.Source
	}
	return v.Source + " → " + v.Target
}

// vmChangeLine is the plain log line of one VM's state.
func vmChangeLine(node, key string, v follow.VMProgress) string {
	line := fmt.Sprintf("%s: VM %s %s", node, key, stateText(v))
	if v.Target != "" {
		line += " " + route(v)
	}
	if !v.Finished.IsZero() && !v.Started.IsZero() && v.Finished.Sub(v.Started) >= time.Second {
		line += " in " + follow.Elapsed(v.Finished.Sub(v.Started))
	}
	if v.Message != "" {
		line += ": " + v.Message
	}
	return line
}

// ProgressChangeLines are the plain log lines describing the difference between two snapshots
// of a node; every line names the node so interleaved nodes stay readable.
func ProgressChangeLines(prev follow.Snapshot, hadPrev bool, s follow.Snapshot) []string {
	var out []string
	if !hadPrev || prev.Phase != s.Phase || prev.DrainProgress != s.DrainProgress || prev.DrainKnown != s.DrainKnown ||
		prev.Evicted() != s.Evicted() || prev.EvictionPods != s.EvictionPods {
		line := fmt.Sprintf("%s: %s, drain %s", s.Node, orWaiting(s.Phase), maintenance.PercentText(s.DrainProgress, s.DrainKnown))
		if s.PodCountsKnown {
			line += fmt.Sprintf(", %d/%d pods evicted", s.Evicted(), s.EvictionPods)
		}
		out = append(out, line)
	}
	if s.LastError != "" && s.LastError != prev.LastError {
		out = append(out, fmt.Sprintf("%s: last error: %s", s.Node, maintenance.ExplainLastError(firstLine(s.LastError))))
	}
	prevVMs := map[string]follow.VMProgress{}
	for _, v := range prev.VMs {
		prevVMs[v.Key()] = v
	}
	keys := make([]string, 0, len(s.VMs))
	cur := map[string]follow.VMProgress{}
	for _, v := range s.VMs {
		keys = append(keys, v.Key())
		cur[v.Key()] = v
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := cur[k]
		line := vmChangeLine(s.Node, k, v)
		// A change the line does not show (say, the migration's last phase after the VM already
		// reads Migrated) would only repeat the previous line. A queued VM moving up the queue
		// is not news either: with many migrations queued at once (KubeVirt v1.9), every one
		// that starts would otherwise reprint all the others.
		if pv, ok := prevVMs[k]; ok && (vmChangeLine(s.Node, k, pv) == line || pv.State == follow.VMQueued && v.State == follow.VMQueued) {
			continue
		}
		out = append(out, line)
	}
	if s.Stalled && !prev.Stalled {
		why := "every VM left blocks it"
		for _, v := range s.VMs {
			if v.Unschedulable {
				why = "no VM left can leave (a migration cannot be scheduled)"
			}
		}
		out = append(out, fmt.Sprintf("%s: the drain is not progressing: %s", s.Node, why))
	}
	return out
}
