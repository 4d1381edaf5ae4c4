package start

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	cliprinters "k8s.io/cli-runtime/pkg/printers"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/maintenance/maintutil"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/drainmethod"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance/follow"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// run is the state of one invocation after the checks.
type run struct {
	o              *Options
	c              maintenance.Clients
	api            *maintenance.API
	method         maintenance.Method
	pre            *maintenance.PreflightResult
	clusterDefault *kvv1.EvictionStrategy
	progress       *printers.MaintenanceProgress
	// out serialises the result lines of concurrently drained nodes.
	outMu sync.Mutex
	// cordoned are the nodes this request cordoned before their maintenance (multi-node
	// requests); started those whose maintenance began. Both are guarded by outMu.
	cordoned map[string]bool
	started  []string
}

// Run checks, plans, asks, creates and follows. Nothing is written before the plan was shown
// and accepted.
func (o *Options) Run(ctx context.Context) error {
	r := &run{o: o, method: maintenance.Method(o.Method)}
	var err error
	if r.c, err = maintutil.Clients(o.factory); err != nil {
		return err
	}
	if r.method == maintenance.MethodOperator {
		if r.api, err = maintutil.ResolveAPI(r.c, false); err != nil {
			return err
		}
	}
	nodes := o.Nodes
	if o.Selector != "" {
		if nodes, err = r.selectNodes(ctx); err != nil {
			return err
		}
	}
	if r.pre, err = maintenance.Preflight(ctx, r.c, r.api, r.method, nodes); err != nil {
		return err
	}
	if r.clusterDefault, err = maintenance.ClusterEvictionStrategy(ctx, r.c.KubeVirt); err != nil {
		return err
	}

	var todo []string
	var blocking []error
	vmsToMove := false
	// With -o the object is the output (for jq or kubectl apply), so the plan goes to stderr.
	out := o.streams.Out
	if *o.PrintFlags.OutputFormat != "" {
		out = o.streams.ErrOut
	}
	for _, node := range nodes {
		if r.pre.InMaintenance(node) {
			fmt.Fprintln(out, r.alreadyText(node))
			continue
		}
		plan, err := maintenance.BuildPlan(ctx, r.c, node, r.clusterDefault)
		if err != nil {
			return err
		}
		plan.SetDestinations(r.pre.Left)
		if err := printers.RenderMaintenancePlan(out, plan); err != nil {
			return err
		}
		if b := plan.Blocking(); len(b) > 0 {
			blocking = append(blocking, &maintenance.BlockingError{Node: node, Blocking: b})
		}
		vmsToMove = vmsToMove || len(plan.VMIs) > 0
		todo = append(todo, node)
	}
	if vmsToMove {
		if w := maintenance.VirtAPIWarning(ctx, r.c); w != "" {
			fmt.Fprintln(o.streams.ErrOut, "warning: "+w)
		}
	}
	blockErr := errors.Join(blocking...)
	if blockErr != nil && o.Force {
		fmt.Fprintf(o.streams.ErrOut, "warning: --force: the drain cannot finish while the VMs that block it are on the node; it waits for them to be stopped, made migratable or given a node to go to\n")
		blockErr = nil
	}

	if o.DryRun != "none" {
		if err := r.printDryRun(ctx, todo); err != nil {
			return err
		}
		return blockErr
	}
	if blockErr != nil {
		return blockErr
	}
	if len(todo) > 0 && !o.Yes {
		nodes := strings.Join(todo, ", ")
		if err := o.prompter.Confirm(ctx, "Start maintenance on "+nodes+"?", "starting maintenance on "+nodes); err != nil {
			return err
		}
	}

	// Whatever ends the request, a node it cordoned but did not put into maintenance takes
	// workloads again; this runs after every other deferred step, on a context of its own
	// because ctx may be the interrupted one.
	defer r.releaseUnstarted(ctx)
	if err := r.cordonRequest(ctx, todo); err != nil {
		return err
	}

	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	if !o.Wait {
		for _, node := range todo {
			if _, err := r.begin(ctx, node); err != nil {
				return err
			}
		}
		return nil
	}

	var stop func()
	r.progress, stop = maintutil.Progress(ctx, o.streams)
	defer stop()
	err = maintenance.RunAll(ctx, nodes, o.MaxConcurrent, r.startAndFollow)
	stop()
	var interrupted *follow.InterruptedError
	if errors.As(err, &interrupted) || (err != nil && errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		return maintutil.Interrupted(o.factory.Program, r.inMaintenance(nodes))
	}
	if err == nil && len(nodes) > 1 {
		fmt.Fprintf(o.streams.Out, "All %d nodes are in maintenance.\n", len(nodes))
	}
	return err
}

func (r *run) selectNodes(ctx context.Context) ([]string, error) {
	list, err := r.c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: r.o.selector.String()})
	if err != nil {
		return nil, fmt.Errorf("listing nodes matching %q: %w", r.o.Selector, err)
	}
	if len(list.Items) == 0 {
		return nil, cmdutil.UsageErrorf("no nodes match the selector %q", r.o.Selector)
	}
	var names []string
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	return names, nil
}

func (r *run) alreadyText(node string) string {
	if nm, ok := r.pre.Inventory.ForNode(node); ok {
		return alreadyTextFor(node, nm) + r.reasonKept(nm.Reason)
	}
	var reason string
	if n := r.pre.Nodes[node]; n != nil {
		reason = n.Annotations[maintenance.AnnotationReason]
	}
	return fmt.Sprintf("Node %s is already in maintenance (drained by %s --method=drain).", node, r.o.factory.Program.Display+" maintenance start") + r.reasonKept(reason)
}

// reasonKept says that a maintenance already in place keeps its reason when --reason asked
// for another: start does not rewrite a maintenance it did not create.
func (r *run) reasonKept(existing string) string {
	if !r.o.reasonGiven || r.o.Reason == existing {
		return ""
	}
	if existing == "" {
		return fmt.Sprintf(" It keeps having no reason: --reason %q was not applied (stop the maintenance and start it again to set one).", r.o.Reason)
	}
	return fmt.Sprintf(" Its reason stays %q: --reason %q was not applied (stop the maintenance and start it again to change it).", existing, r.o.Reason)
}

func alreadyTextFor(node string, nm maintenance.NodeMaintenance) string {
	{
		phase := nm.Phase
		if phase == "" {
			phase = "not reported yet"
		}
		return fmt.Sprintf("Node %s is already in maintenance (NodeMaintenance %s, phase %s).", node, nm.Name, phase)
	}
}

// begin writes the maintenance of one node, unless it is already in place. It returns the name
// of the NodeMaintenance to follow ("" with --method=drain).
func (r *run) begin(ctx context.Context, node string) (string, error) {
	if r.pre.InMaintenance(node) {
		if nm, ok := r.pre.Inventory.ForNode(node); ok {
			return nm.Name, nil
		}
		return "", nil
	}
	if r.method == maintenance.MethodDrain {
		// MarkNode also drops the request's cordon mark, in the same write.
		if err := drainmethod.MarkNode(ctx, r.c, node, r.o.Reason, time.Now()); err != nil {
			return "", err
		}
		r.markStarted(node)
		return "", nil
	}
	name := r.o.objectName(node)
	if _, err := maintenance.Create(ctx, r.c, *r.api, name, node, r.o.Reason, false); err != nil {
		// Someone started this node's maintenance since the checks (often a second run of this
		// command): the node is in maintenance, as if it had been when the checks ran.
		var already *maintenance.AlreadyInMaintenanceError
		if errors.As(err, &already) {
			r.markStarted(node)
			r.handOver(ctx, node)
			r.say("%s", alreadyTextFor(node, already.Existing)+r.reasonKept(already.Existing.Reason))
			return already.Existing.Name, nil
		}
		return "", err
	}
	r.markStarted(node)
	r.handOver(ctx, node)
	r.say("NodeMaintenance %s created for node %s.", name, node)
	return name, nil
}

func (r *run) say(format string, a ...any) {
	if r.progress != nil {
		r.progress.Say(r.o.streams.Out, fmt.Sprintf(format, a...))
		return
	}
	r.outMu.Lock()
	defer r.outMu.Unlock()
	fmt.Fprintf(r.o.streams.Out, format+"\n", a...)
}

// startAndFollow begins one node's maintenance and follows it to its end.
func (r *run) startAndFollow(ctx context.Context, node string) error {
	// A node drained earlier with --method=drain has no NodeMaintenance to follow; its state
	// was reported by alreadyText.
	if r.method == maintenance.MethodOperator && r.pre.Inventory.IsDrained(node) {
		return nil
	}
	name, err := r.begin(ctx, node)
	if err != nil {
		return err
	}
	var last follow.Snapshot
	f := &follow.Follower{
		Clients:        r.c,
		Node:           node,
		ClusterDefault: r.clusterDefault,
		Method:         r.method,
		Timeout:        r.o.Timeout,
		StallAfter:     r.o.StallTimeout,
		OnProgress: func(s follow.Snapshot) {
			last = s
			r.progress.Update(s)
		},
		OnWarning: func(msg string) { r.progress.Say(r.o.streams.ErrOut, "warning: "+msg) },
	}
	if r.method == maintenance.MethodDrain {
		err = r.followDrain(ctx, f)
	} else {
		f.API = *r.api
		f.Name = name
		err = f.Wait(ctx)
	}
	if err == nil {
		r.progress.Finish(node, r.o.streams.Out, summary(last)+r.comebacks(ctx, node, last))
	}
	return err
}

// comebacks waits, a bounded time, for the VMs the drain shut down to run again, and says
// where each one did, or that it did not.
func (r *run) comebacks(ctx context.Context, node string, last follow.Snapshot) string {
	wctx, cancel := context.WithTimeout(ctx, follow.DefaultComebackWait)
	defer cancel()
	started := time.Now()
	cbs := follow.WaitComebacks(wctx, r.c.KubeVirt, node, last.VMs)
	waited := time.Since(started)
	var b strings.Builder
	for _, cb := range cbs {
		b.WriteString("\n" + follow.ComebackText(cb, waited))
	}
	return b.String()
}

// followDrain runs --method=drain's drain beside the follower, which shows its progress and
// decides the outcome; the drain is stopped when following ends for any reason.
func (r *run) followDrain(ctx context.Context, f *follow.Follower) error {
	drainCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	status := make(chan maintenance.NodeMaintenance)
	f.Status = status
	// The follower reports the drain's outcome from its status, so DrainNode's own error (most
	// often the cancellation below) is not needed; done only says the drain has stopped.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = drainmethod.DrainNode(drainCtx, r.c, f.Node, status)
	}()
	err := f.Wait(ctx)
	cancel()
	<-done
	return err
}

// summary is the one line printed when a node reached maintenance.
func summary(s follow.Snapshot) string {
	migrated, shutDown := 0, 0
	for _, v := range s.VMs {
		switch v.State {
		case follow.VMMigrated:
			migrated++
		case follow.VMShutDown:
			shutDown++
		}
	}
	return fmt.Sprintf("Node %s is in maintenance: %d VM(s) live-migrated, %d shut down, %d pod(s) evicted.",
		s.Node, migrated, shutDown, s.EvictionPods)
}

// printDryRun shows the object each node would get; with --dry-run=server the API server
// (and the operator's webhook) validate it first.
func (r *run) printDryRun(ctx context.Context, todo []string) error {
	out := r.o.streams.Out
	if r.method == maintenance.MethodDrain {
		for _, node := range todo {
			fmt.Fprintf(out, "Would cordon node %s, taint it %s:NoSchedule and evict the pods above (dry run: nothing was changed).\n", node, maintenance.TaintDrain)
		}
		return nil
	}
	printer, err := r.dryRunPrinter()
	if err != nil {
		return err
	}
	for _, node := range todo {
		obj := maintenance.NewObject(*r.api, r.o.objectName(node), node, r.o.Reason)
		if r.o.DryRun == "server" {
			if obj, err = maintenance.Create(ctx, r.c, *r.api, r.o.objectName(node), node, r.o.Reason, true); err != nil {
				return err
			}
		}
		if err := printer.PrintObj(obj, out); err != nil {
			return err
		}
	}
	if *r.o.PrintFlags.OutputFormat == "" {
		fmt.Fprintf(out, "(dry run: nothing was changed)\n")
	}
	return nil
}

func (r *run) dryRunPrinter() (cliprinters.ResourcePrinter, error) {
	if r.o.printer == nil {
		return &cliprinters.YAMLPrinter{}, nil
	}
	return r.o.printer, nil
}
