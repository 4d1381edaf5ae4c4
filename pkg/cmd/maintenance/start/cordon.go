package start

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// releaseTimeout bounds the uncordon of unstarted nodes after an interrupt: the user is waiting
// for the command to end.
const releaseTimeout = 30 * time.Second

// cordonRequest cordons every node of a multi-node request before the first drain starts, so
// that no VM or pod evicted from one of them is placed on another and has to move twice.
func (r *run) cordonRequest(ctx context.Context, todo []string) error {
	r.cordoned = map[string]bool{}
	if len(todo) < 2 {
		return nil
	}
	var mine []string
	for _, node := range todo {
		ok, err := maintenance.CordonForRequest(ctx, r.c, node, time.Now())
		if err != nil {
			return fmt.Errorf("cordoning node %s before the drains start: %w", node, err)
		}
		if ok {
			r.outMu.Lock()
			r.cordoned[node] = true
			r.outMu.Unlock()
			mine = append(mine, node)
		}
	}
	if len(mine) > 0 {
		r.say("Cordoned %s first, so that nothing evicted from one node of the request lands on another; a node whose maintenance does not start is uncordoned again.", strings.Join(mine, ", "))
	}
	return nil
}

func (r *run) markStarted(node string) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	r.started = append(r.started, node)
}

// handOver drops the request's mark once the node's NodeMaintenance holds the cordon. It is
// best effort: a mark left behind only makes a later interrupted start of this node release
// it, and that start checks for the maintenance first.
func (r *run) handOver(ctx context.Context, node string) {
	r.outMu.Lock()
	mine := r.cordoned[node]
	r.outMu.Unlock()
	if mine {
		_ = maintenance.HandOverRequestCordon(ctx, r.c, node)
	}
}

// inMaintenance are the request's nodes that are in maintenance now: those already in it
// before and those this run started, in request order.
func (r *run) inMaintenance(nodes []string) []string {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	started := map[string]bool{}
	for _, n := range r.started {
		started[n] = true
	}
	var out []string
	for _, n := range nodes {
		if started[n] || r.pre.InMaintenance(n) {
			out = append(out, n)
		}
	}
	return out
}

// releaseUnstarted uncordons the nodes this request cordoned whose maintenance did not start.
// A node whose maintenance exists after all (a create that reached the server as the command
// was interrupted) is handed over instead.
func (r *run) releaseUnstarted(parent context.Context) {
	r.outMu.Lock()
	started := map[string]bool{}
	for _, n := range r.started {
		started[n] = true
	}
	var todo []string
	for n := range r.cordoned {
		if !started[n] {
			todo = append(todo, n)
		}
	}
	r.outMu.Unlock()
	if len(todo) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), releaseTimeout)
	defer cancel()
	var released []string
	sort.Strings(todo)
	for _, node := range todo {
		if r.method == maintenance.MethodOperator {
			if _, ok, err := maintenance.FindForNode(ctx, r.c, *r.api, node); err == nil && ok {
				_ = maintenance.HandOverRequestCordon(ctx, r.c, node)
				continue
			}
		}
		ok, err := maintenance.ReleaseRequestCordon(ctx, r.c, node)
		if err != nil {
			fmt.Fprintf(r.o.streams.ErrOut, "warning: node %s stays cordoned: uncordoning it failed: %v; uncordon it with kubectl uncordon %s\n", node, err, node)
			continue
		}
		if ok {
			released = append(released, node)
		}
	}
	if len(released) > 0 {
		fmt.Fprintf(r.o.streams.Out, "Uncordoned %s again: their maintenance did not start.\n", strings.Join(released, ", "))
	}
}
