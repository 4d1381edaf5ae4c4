package follow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	kvv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// DefaultStallAfter is how long every VM left on a node must have been blocking, with nothing
// migrating, before a wait gives up as stuck. Long enough for the operator to retry the
// eviction a few times (it requeues every few seconds), short enough not to look hung.
const DefaultStallAfter = 30 * time.Second

// DefaultOperatorGrace is how long a NodeMaintenance may go without any phase before the
// follower warns that no operator seems to be reconciling it.
const DefaultOperatorGrace = 30 * time.Second

// Follower watches one node's maintenance to its end and reports every change. It uses
// informers (list, then watch, relisting on their own after a dropped watch or a restarted API
// server), never polling loops.
type Follower struct {
	Clients maintenance.Clients
	// API is the NodeMaintenance resource; unused when Status is set.
	API  maintenance.API
	Node string
	// Name is the NodeMaintenance's name.
	Name string
	// ClusterDefault is the cluster's eviction strategy, for classifying VMIs that appear.
	ClusterDefault *kvv1.EvictionStrategy
	// Status, when set, replaces the NodeMaintenance watch: --method=drain feeds its own
	// progress here and closes it when the drain goroutine ends.
	Status <-chan maintenance.NodeMaintenance
	Method maintenance.Method
	// Timeout is only used to word the TimeoutError; the deadline itself is the context's.
	Timeout    time.Duration
	StallAfter time.Duration
	// OnProgress receives a snapshot after each change. It runs on the follower's goroutine.
	OnProgress func(Snapshot)
	// OnWarning receives advice that does not end the wait, such as an operator that has not
	// reported any phase after OperatorGrace.
	OnWarning     func(string)
	OperatorGrace time.Duration
	Now           func() time.Time
}

type followState struct {
	f      *Follower
	nm     *maintenance.NodeMaintenance
	nmSeen bool
	gone   bool
	vmis   map[string]*trackedVMI
	order  []string
	migs   map[string]*kvv1.VirtualMachineInstanceMigration
	// targets are the migration target pods the scheduler cannot place, by migration UID.
	targets   map[types.UID]unschedulableTarget
	started   time.Time
	drainDone bool
	// queuePos and queueLen are the queue of the node's migrations waiting in Pending, as of
	// the last snapshot (refreshQueue).
	queuePos map[string]int
	queueLen int
}

type trackedVMI struct {
	last   *kvv1.VirtualMachineInstance
	onNode bool
	leftAt time.Time
}

// Wait follows until the maintenance succeeds (nil) or ends otherwise (FailedError,
// StalledError, TimeoutError when ctx's deadline passes, InterruptedError when ctx is
// cancelled, GoneError).
func (f *Follower) Wait(ctx context.Context) error {
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.StallAfter == 0 {
		f.StallAfter = DefaultStallAfter
	}
	if f.OperatorGrace == 0 {
		f.OperatorGrace = DefaultOperatorGrace
	}
	st := &followState{f: f, vmis: map[string]*trackedVMI{}, migs: map[string]*kvv1.VirtualMachineInstanceMigration{},
		targets: map[types.UID]unschedulableTarget{}, started: f.Now()}

	informerCtx, stopInformers := context.WithCancel(context.Background())
	defer stopInformers()
	// Every informer callback becomes a closure applied on this goroutine, so the state needs
	// no locks. Sends give up once the wait ended so no informer goroutine is left blocked.
	events := make(chan func(*followState), 64)
	emit := func(fn func(*followState)) {
		select {
		case events <- fn:
		case <-informerCtx.Done():
		}
	}

	var synced []cache.InformerSynced
	if f.Status == nil {
		synced = append(synced, f.runNMInformer(informerCtx, emit))
	}
	kubevirtServed := f.kubeVirtServed()
	if kubevirtServed {
		synced = append(synced, f.runVMIInformer(informerCtx, emit), f.runMigrationInformer(informerCtx, emit),
			f.runTargetPodInformer(informerCtx, emit))
	}
	statusCh := f.Status
	// Report once the informers have their initial lists, even if no change follows: an
	// idempotent re-run of an already Succeeded maintenance must end right away.
	go func() {
		if cache.WaitForCacheSync(informerCtx.Done(), synced...) {
			emit(func(*followState) {})
		}
	}()

	// An operator that never writes a phase is not running (or not watching this API group);
	// say so once instead of waiting silently.
	var graceC <-chan time.Time
	if f.Status == nil && f.OnWarning != nil {
		graceTimer := time.NewTimer(f.OperatorGrace)
		defer graceTimer.Stop()
		graceC = graceTimer.C
	}

	var stallTimer *time.Timer
	var stallC <-chan time.Time
	stalledSince := time.Time{}
	defer func() {
		if stallTimer != nil {
			stallTimer.Stop()
		}
	}()

	allSynced := func() bool {
		for _, s := range synced {
			if !s() {
				return false
			}
		}
		return true
	}

	for {
		select {
		case <-ctx.Done():
			snap := st.snapshot(false)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &TimeoutError{Snapshot: snap, Timeout: f.Timeout}
			}
			return &InterruptedError{Node: f.Node, Name: f.Name, Method: f.Method}
		case fn := <-events:
			fn(st)
		case nm, ok := <-statusCh:
			if !ok {
				statusCh = nil
				st.drainDone = true
				break
			}
			cp := nm
			st.nm, st.nmSeen = &cp, true
		case <-graceC:
			graceC = nil
			if st.nm == nil || st.nm.Phase == "" {
				f.OnWarning(fmt.Sprintf("no operator has reported on NodeMaintenance %s after %s; check that the Node Maintenance Operator is running and serves %s",
					f.Name, Elapsed(f.OperatorGrace), f.API.APIVersion()))
			}
			continue
		case <-stallC:
			snap := st.snapshot(true)
			f.report(snap)
			return &StalledError{Snapshot: snap, After: f.StallAfter}
		}
		// Drain everything queued before deciding, so one burst of events gives one redraw.
	drain:
		for {
			select {
			case fn := <-events:
				fn(st)
			default:
				break drain
			}
		}
		if !allSynced() {
			continue
		}

		stalled := st.stalled()
		snap := st.snapshot(stalled)
		f.report(snap)

		if st.gone {
			return &GoneError{Node: f.Node, Name: f.Name}
		}
		if st.nm != nil {
			switch st.nm.Phase {
			case maintenance.PhaseSucceeded:
				return nil
			case maintenance.PhaseFailed:
				return &FailedError{Snapshot: snap}
			}
		}
		// A drain that ended because the deadline passed is reported as the timeout it is.
		if f.Status != nil && st.drainDone && ctx.Err() == nil && (st.nm == nil || st.nm.Phase == maintenance.PhaseRunning) {
			return &FailedError{Snapshot: snap}
		}

		switch {
		case stalled && stalledSince.IsZero():
			stalledSince = f.Now()
			stallTimer = time.NewTimer(f.StallAfter)
			stallC = stallTimer.C
		case !stalled && !stalledSince.IsZero():
			stalledSince = time.Time{}
			stallTimer.Stop()
			stallC = nil
		}
	}
}

func (f *Follower) report(s Snapshot) {
	if f.OnProgress != nil {
		f.OnProgress(s)
	}
}

// kubeVirtServed avoids starting VMI informers on a cluster without KubeVirt, where they would
// only log list errors forever.
func (f *Follower) kubeVirtServed() bool {
	if f.Clients.Discovery == nil {
		return f.Clients.KubeVirt != nil
	}
	list, err := f.Clients.Discovery.ServerResourcesForGroupVersion(kvv1.SchemeGroupVersion.String())
	if err != nil {
		return false
	}
	for _, r := range list.APIResources {
		if r.Name == "virtualmachineinstances" {
			return true
		}
	}
	return false
}

func startInformer(ctx context.Context, lw cache.ListerWatcher, obj runtime.Object, h cache.ResourceEventHandler) cache.InformerSynced {
	_, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{ListerWatcher: lw, ObjectType: obj, Handler: h})
	go ctrl.RunWithContext(ctx)
	return ctrl.HasSynced
}

func unwrapTombstone(obj interface{}) interface{} {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

func (f *Follower) runNMInformer(ctx context.Context, emit func(func(*followState))) cache.InformerSynced {
	lw := maintenance.DynamicObjectListWatch(f.Clients.Dynamic.Resource(f.API.GVR), f.Name)
	set := func(obj interface{}) {
		u, ok := unwrapTombstone(obj).(*unstructured.Unstructured)
		if !ok {
			return
		}
		nm := maintenance.FromUnstructured(u.DeepCopy())
		emit(func(s *followState) { s.nm, s.nmSeen = &nm, true })
	}
	return startInformer(ctx, lw, &unstructured.Unstructured{}, cache.ResourceEventHandlerFuncs{
		AddFunc:    set,
		UpdateFunc: func(_, n interface{}) { set(n) },
		DeleteFunc: func(interface{}) { emit(func(s *followState) { s.gone = true }) },
	})
}

func (f *Follower) runVMIInformer(ctx context.Context, emit func(func(*followState))) cache.InformerSynced {
	vmis := f.Clients.KubeVirt.KubevirtV1().VirtualMachineInstances(metav1.NamespaceAll)
	sel := labels.Set{kvv1.NodeNameLabel: f.Node}.AsSelector().String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = sel
			return vmis.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = sel
			return vmis.Watch(ctx, o)
		},
	}
	set := func(obj interface{}, onNode bool) {
		vmi, ok := unwrapTombstone(obj).(*kvv1.VirtualMachineInstance)
		if !ok {
			return
		}
		vmi = vmi.DeepCopy()
		emit(func(s *followState) { s.setVMI(vmi, onNode) })
	}
	return startInformer(ctx, lw, &kvv1.VirtualMachineInstance{}, cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o interface{}) { set(o, true) },
		UpdateFunc: func(_, n interface{}) { set(n, true) },
		// A VMI leaves the label-selected set when it is deleted or when KubeVirt relabels it
		// with its migration target's node name.
		DeleteFunc: func(o interface{}) { set(o, false) },
	})
}

// runMigrationInformer watches migrations in all namespaces: there is no server-side filter for
// "migrations of VMIs on node X", and migrations are few and short-lived. Only those of the
// node's VMIs are used.
func (f *Follower) runMigrationInformer(ctx context.Context, emit func(func(*followState))) cache.InformerSynced {
	migs := f.Clients.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(metav1.NamespaceAll)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return migs.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return migs.Watch(ctx, o)
		},
	}
	set := func(obj interface{}) {
		m, ok := unwrapTombstone(obj).(*kvv1.VirtualMachineInstanceMigration)
		if !ok {
			return
		}
		m = m.DeepCopy()
		emit(func(s *followState) { s.migs[m.Namespace+"/"+m.Name] = m })
	}
	return startInformer(ctx, lw, &kvv1.VirtualMachineInstanceMigration{}, cache.ResourceEventHandlerFuncs{
		AddFunc:    set,
		UpdateFunc: func(_, n interface{}) { set(n) },
		// A finished migration may be garbage-collected; keep the last state we saw.
		DeleteFunc: func(interface{}) {},
	})
}

func (s *followState) setVMI(vmi *kvv1.VirtualMachineInstance, onNode bool) {
	key := vmi.Namespace + "/" + vmi.Name
	t, ok := s.vmis[key]
	if !ok {
		t = &trackedVMI{}
		s.vmis[key] = t
		s.order = append(s.order, key)
	}
	// A VMI re-created under the same name (strategy None) on another node is a new object,
	// but the label selector keeps it out of this informer, so onNode=true is always this node.
	// A finished VMI keeps the node's label: one that was already finished is not this drain's
	// business, and one that finishes now has left the node (its guest shut down).
	if vmi.IsFinal() {
		if !ok {
			delete(s.vmis, key)
			s.order = s.order[:len(s.order)-1]
			return
		}
		onNode = false
	}
	t.last = vmi
	if t.onNode && !onNode {
		t.leftAt = s.f.Now()
	}
	if onNode {
		t.leftAt = time.Time{}
	}
	t.onNode = onNode
}

// latestMigration is the newest migration of a VMI, the one that says what is happening now.
func (s *followState) latestMigration(ns, name string) *kvv1.VirtualMachineInstanceMigration {
	var best *kvv1.VirtualMachineInstanceMigration
	for _, m := range s.migs {
		if m.Namespace != ns || m.Spec.VMIName != name {
			continue
		}
		if best == nil || m.CreationTimestamp.After(best.CreationTimestamp.Time) ||
			(m.CreationTimestamp.Equal(&best.CreationTimestamp) && m.Name > best.Name) {
			best = m
		}
	}
	return best
}

func (s *followState) vmProgress(key string) VMProgress {
	t := s.vmis[key]
	vmi := t.last
	p := VMProgress{Namespace: vmi.Namespace, Name: vmi.Name, Source: s.f.Node}
	mig := s.latestMigration(vmi.Namespace, vmi.Name)
	ms := vmi.Status.MigrationState
	if mig != nil && mig.Status.MigrationState != nil && ms == nil {
		ms = mig.Status.MigrationState
	}
	if ms != nil && ms.TargetNode != "" && ms.TargetNode != s.f.Node {
		p.Target = ms.TargetNode
	}
	if mig != nil {
		p.MigrationPhase = string(mig.Status.Phase)
		p.Started = mig.CreationTimestamp.Time
	}
	if ms != nil && ms.StartTimestamp != nil && (p.Started.IsZero() || ms.StartTimestamp.Before(&metav1.Time{Time: p.Started})) {
		p.Started = ms.StartTimestamp.Time
	}

	if !t.onNode {
		// KubeVirt relabels a VMI with its target node when the migration hands over, which
		// may be seen before the migration object reports Succeeded: any migration that has
		// not failed means the VMI moved, not that it was shut down.
		migrated := (mig != nil && mig.Status.Phase != kvv1.MigrationFailed) ||
			(ms != nil && ms.Completed && !ms.Failed) ||
			(vmi.Status.NodeName != "" && vmi.Status.NodeName != s.f.Node)
		if migrated {
			p.State = VMMigrated
			if p.Target == "" && vmi.Status.NodeName != s.f.Node {
				p.Target = vmi.Status.NodeName
			}
			if ms != nil && ms.EndTimestamp != nil {
				p.Finished = ms.EndTimestamp.Time
			}
		} else {
			p.State = VMShutDown
			p.Message = "shut down"
			if imp := maintenance.Classify(vmi, s.f.ClusterDefault); imp.OwnedByVM {
				p.Message = "shut down; its VirtualMachine restarts it elsewhere per its run strategy"
				p.OwnedByVM = true
			}
			if p.Started.IsZero() {
				p.Started = t.leftAt
			}
		}
		if p.Finished.IsZero() {
			p.Finished = t.leftAt
		}
		return p
	}

	imp := maintenance.Classify(vmi, s.f.ClusterDefault)
	switch {
	case mig != nil && maintenance.QueuedMigration(mig) && s.queuePos[key] > 0:
		p.State = VMQueued
		p.MigrationPhase = string(kvv1.MigrationPending)
		p.QueuePos, p.QueueLen = s.queuePos[key], s.queueLen
	case mig != nil && !maintenance.MigrationFinal(mig.Status.Phase):
		p.State = VMMigrating
		if p.MigrationPhase == "" {
			p.MigrationPhase = string(kvv1.MigrationPending)
		}
		if u, ok := s.targets[mig.UID]; ok {
			p.Unschedulable = true
			p.Message = fmt.Sprintf("target pod %s cannot be scheduled: %s", u.pod, u.reason)
		}
	case vmi.DeletionTimestamp != nil:
		p.State = VMShuttingDown
		p.Started = vmi.DeletionTimestamp.Time
	case mig != nil && mig.Status.Phase == kvv1.MigrationFailed:
		p.State = VMMigrationFailed
		if ms != nil && ms.FailureReason != "" {
			p.Message = ms.FailureReason
		}
	case imp.Outcome == maintenance.OutcomeBlock:
		p.State = VMBlocked
		p.Message = "not live-migratable: " + imp.MigratableText()
	case imp.Outcome == maintenance.OutcomeExternal:
		p.State = VMExternal
		p.Message = "evictionStrategy External: an external controller must remove it"
	default:
		p.State = VMWaiting
		p.Started = time.Time{}
	}
	return p
}

// stalled: the drain is running, VMs are left, and none of them can leave: each refuses
// eviction, or its migration's target pod cannot be scheduled, or it waits for a migration
// slot or queue place that such a migration holds. A VM that is migrating (its target placed)
// or shutting down means the drain still moves.
func (s *followState) stalled() bool {
	if s.nm == nil || s.nm.Phase == maintenance.PhaseSucceeded || s.nm.Phase == maintenance.PhaseFailed {
		return false
	}
	left, unschedulable, waiting := 0, 0, 0
	for _, key := range s.order {
		p := s.vmProgress(key)
		if !p.OnNode() {
			continue
		}
		left++
		switch {
		case p.State == VMBlocked || p.State == VMExternal:
		case p.Unschedulable:
			unschedulable++
		case p.State == VMWaiting || p.State == VMQueued:
			waiting++
		default:
			return false
		}
	}
	return left > 0 && (waiting == 0 || unschedulable > 0)
}

// refreshQueue numbers the node's VMs whose latest migration waits in Pending.
func (s *followState) refreshQueue() {
	var migs []*kvv1.VirtualMachineInstanceMigration
	for _, key := range s.order {
		t := s.vmis[key]
		if !t.onNode {
			continue
		}
		if m := s.latestMigration(t.last.Namespace, t.last.Name); m != nil {
			migs = append(migs, m)
		}
	}
	s.queuePos, s.queueLen = maintenance.QueuePositions(migs)
}

func (s *followState) snapshot(stalled bool) Snapshot {
	s.refreshQueue()
	snap := Snapshot{Node: s.f.Node, Name: s.f.Name, Method: s.f.Method, Started: s.started, Stalled: stalled}
	if snap.Method == "" {
		snap.Method = maintenance.MethodOperator
	}
	if s.nm != nil {
		snap.Phase = s.nm.Phase
		snap.DrainProgress = s.nm.DrainProgress
		snap.DrainKnown, snap.PodCountsKnown = s.nm.DrainKnown, s.nm.PodCountsKnown
		snap.EvictionPods = s.nm.EvictionPods
		snap.TotalPods = s.nm.TotalPods
		snap.PendingPods = append([]string(nil), s.nm.PendingPods...)
		snap.LastError = s.nm.LastError
	}
	keys := append([]string(nil), s.order...)
	sort.Strings(keys)
	for _, k := range keys {
		snap.VMs = append(snap.VMs, s.vmProgress(k))
	}
	return snap
}

// Elapsed formats a duration the way the progress display shows it.
func Elapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	if d < time.Hour {
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
