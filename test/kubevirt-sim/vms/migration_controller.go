package vms

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// The migration controller plays virt-controller's migration controller and the two
// virt-handlers of a live migration. A VirtualMachineInstanceMigration goes
// Pending → Scheduling (target launcher pod created; the real scheduler places it) →
// Scheduled (kwok runs it) → PreparingTarget (the VMI gets status.migrationState and the
// kubevirt.io/migrationTargetNodeName label) → TargetReady → Running (startTimestamp) →
// Succeeded (the VMI moves to the target node, the source pod is deleted) or Failed (the
// target pod is deleted, the VMI stays where it was).

// unschedulableTimeout is KubeVirt's defaultUnschedulablePendingTimeoutSeconds: a target
// pod the scheduler cannot place fails the migration after five minutes.
const unschedulableTimeout = 5 * time.Minute

type migrationController struct {
	s    *simulator
	loop *loop

	startMu sync.Mutex
	// started holds migrations moved out of Pending whose new phase the cache has not
	// shown yet, so they count against the limits.
	started map[string]inFlight
	// targetCreated remembers target pods created but not yet in the pod cache.
	targetCreated sync.Map // VMIM UID -> time.Time
	// failures holds the reason of each migration this controller failed, for its event.
	failures sync.Map // VMIM UID -> string
	// runningSince keeps the exact start of each Running migration: API timestamps only
	// keep whole seconds, which would cut up to a second off a short simulated migration.
	runningSince sync.Map // VMIM UID -> time.Time
}

func newMigrationController(s *simulator) *loop {
	c := &migrationController{s: s, started: map[string]inFlight{}}
	c.loop = newLoop("migration", c.sync)
	enqueueVMI := func(namespace, name string) {
		for _, m := range s.migrationsOf(namespace + "/" + name) {
			if !m.IsFinal() {
				c.loop.addObj(m)
			}
		}
	}
	must2(s.vmims.AddEventHandler(handlerFor(func(obj interface{}) {
		c.loop.addObj(obj)
		if m, ok := unwrap(obj).(*virtv1.VirtualMachineInstanceMigration); ok && m.IsFinal() {
			// A slot may have freed up for migrations waiting in Pending: offer it in queue order.
			var pending []*virtv1.VirtualMachineInstanceMigration
			for _, other := range s.allMigrations() {
				if other.Status.Phase == virtv1.MigrationPending {
					pending = append(pending, other)
				}
			}
			queueOrder(pending)
			for _, other := range pending {
				c.loop.addObj(other)
			}
		}
	})))
	must2(s.vmis.AddEventHandler(handlerFor(func(obj interface{}) {
		if vmi, ok := unwrap(obj).(*virtv1.VirtualMachineInstance); ok {
			enqueueVMI(vmi.Namespace, vmi.Name)
		}
	})))
	must2(s.pods.AddEventHandler(handlerFor(func(obj interface{}) {
		if pod, ok := unwrap(obj).(*corev1.Pod); ok && pod.Annotations[virtv1.DomainAnnotation] != "" {
			enqueueVMI(pod.Namespace, pod.Annotations[virtv1.DomainAnnotation])
		}
	})))
	return c.loop
}

func (c *migrationController) sync(ctx context.Context, key string) error {
	m := c.s.migration(key)
	c.startMu.Lock()
	if f, ok := c.started[key]; ok && (m == nil || m.Status.Phase != virtv1.MigrationPending) {
		delete(c.started, f.key)
	}
	c.startMu.Unlock()
	if m == nil || m.DeletionTimestamp != nil {
		return nil
	}
	vmiKey := m.Namespace + "/" + m.Spec.VMIName
	vmi := c.s.vmi(vmiKey)
	var pods []*corev1.Pod
	if vmi != nil {
		pods = c.s.launcherPods(vmi)
	}
	target := targetPodOf(m, pods)

	if m.IsFinal() {
		// A failed migration leaves no target pod behind.
		if m.Status.Phase == virtv1.MigrationFailed && target != nil && target.DeletionTimestamp == nil {
			return c.deletePod(ctx, target)
		}
		return nil
	}
	// virt-api's mutating webhook labels each migration with its VMI; do it once here.
	if m.Labels[virtv1.MigrationSelectorLabel] != m.Spec.VMIName {
		labelled := m.DeepCopy()
		if labelled.Labels == nil {
			labelled.Labels = map[string]string{}
		}
		labelled.Labels[virtv1.MigrationSelectorLabel] = m.Spec.VMIName
		_, err := c.s.virt.KubevirtV1().VirtualMachineInstanceMigrations(m.Namespace).Update(ctx, labelled, metav1.UpdateOptions{})
		return err
	}

	next := m.DeepCopy()
	if err := c.step(ctx, next, vmi, pods, target); err != nil {
		return err
	}
	if ms := c.vmiMigrationState(vmiKey, m); ms != nil {
		next.Status.MigrationState = ms
	}
	if apiequality.Semantic.DeepEqual(next.Status, m.Status) {
		return nil
	}
	if next.Status.Phase != m.Status.Phase {
		klog.Infof("migration %s (VMI %s): %q -> %q", key, m.Spec.VMIName, m.Status.Phase, next.Status.Phase)
	}
	_, err := c.s.virt.KubevirtV1().VirtualMachineInstanceMigrations(m.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{})
	if err == nil && next.Status.Phase != m.Status.Phase {
		failure, _ := c.failures.LoadAndDelete(next.UID)
		reason, _ := failure.(string)
		c.s.events.migrationEvents(next, vmi, m.Status.Phase, next.Status.Phase, reason)
	}
	return err
}

// step advances next (a copy of the migration) by at most one phase, doing the side
// effects that phase needs first, so a failed call is simply retried.
func (c *migrationController) step(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod, target *corev1.Pod) error {
	now := time.Now()
	key := next.Namespace + "/" + next.Name

	if next.Status.Phase == virtv1.MigrationPhaseUnset {
		setMigrationPhase(next, virtv1.MigrationPending, now)
		return nil
	}
	if vmi == nil || vmi.IsFinal() || vmi.DeletionTimestamp != nil {
		return c.fail(ctx, next, vmi, target, "VMI is not running", now)
	}

	switch next.Status.Phase {
	case virtv1.MigrationPending:
		if !vmi.IsRunning() {
			return c.fail(ctx, next, vmi, target, "VMI is not running", now)
		}
		if !vmi.IsMigratable() {
			msg := "VMI is not live-migratable"
			if cond := vmiCondition(vmi, virtv1.VirtualMachineInstanceIsMigratable); cond != nil && cond.Message != "" {
				msg = cond.Message
			}
			return c.fail(ctx, next, vmi, target, msg, now)
		}
		if olderUnfinished(next, c.s.migrationsOf(next.Namespace+"/"+next.Spec.VMIName)) {
			return nil // one migration per VMI at a time; re-enqueued when that one ends
		}
		if wait := migrationBackoff(next, c.s.migrationsOf(next.Namespace+"/"+next.Spec.VMIName), now); wait > 0 {
			klog.Infof("migration %s: VMI %s in migration backoff for %s", key, vmi.Name, wait.Round(time.Second))
			c.loop.addAfter(key, wait)
			return nil
		}
		return c.start(ctx, next, vmi, pods, target, now)

	case virtv1.MigrationScheduling:
		if next.Status.MigrationState == nil {
			return c.fail(ctx, next, vmi, target, "migration lost its state", now)
		}
		if target == nil {
			if t, ok := c.targetCreated.Load(next.UID); ok && time.Since(t.(time.Time)) < time.Minute {
				return nil // not in the cache yet
			}
			return c.fail(ctx, next, vmi, target, "target pod is gone", now)
		}
		if podFinished(target) || target.DeletionTimestamp != nil {
			return c.fail(ctx, next, vmi, target, "target pod is down", now)
		}
		if target.Spec.NodeName != "" && target.Status.Phase == corev1.PodRunning {
			next.Status.MigrationState.TargetNode = target.Spec.NodeName
			setMigrationPhase(next, virtv1.MigrationScheduled, now)
			return nil
		}
		if since, ok := unschedulableSince(target); ok {
			if left := unschedulableTimeout - now.Sub(since); left > 0 {
				c.loop.addAfter(key, left)
				return nil
			}
			return c.fail(ctx, next, vmi, target, "target pod remained unschedulable past the timeout", now)
		}
		return nil

	case virtv1.MigrationScheduled:
		if err := c.handOff(ctx, next, vmi, target); err != nil {
			return err
		}
		setMigrationPhase(next, virtv1.MigrationPreparingTarget, now)
		return nil

	case virtv1.MigrationPreparingTarget:
		if target == nil || target.DeletionTimestamp != nil {
			return c.fail(ctx, next, vmi, target, "target pod is down", now)
		}
		if ok, err := c.vmiCarries(ctx, next, vmi, target, now, false); !ok {
			return err
		}
		err := c.updateVMI(ctx, vmi, func(v *virtv1.VirtualMachineInstance) {
			ms := v.Status.MigrationState
			ms.TargetNodeAddress = target.Status.PodIP
			ms.TargetNodeDomainDetected = true
		})
		if err != nil {
			return err
		}
		setMigrationPhase(next, virtv1.MigrationTargetReady, now)
		return nil

	case virtv1.MigrationTargetReady:
		if ok, err := c.vmiCarries(ctx, next, vmi, target, now, false); !ok {
			return err
		}
		err := c.updateVMI(ctx, vmi, func(v *virtv1.VirtualMachineInstance) {
			if v.Status.MigrationState.StartTimestamp == nil {
				start := metav1.NewTime(now)
				v.Status.MigrationState.StartTimestamp = &start
			}
		})
		if err != nil {
			return err
		}
		c.runningSince.Store(next.UID, now)
		setMigrationPhase(next, virtv1.MigrationRunning, now)
		c.loop.addAfter(key, migrationDuration(vmi, c.s.opts.MigrationDuration))
		return nil

	case virtv1.MigrationRunning:
		return c.finish(ctx, next, vmi, pods, target, now)
	}
	return nil
}

// start checks the parallel-migration limits, creates the target pod and moves the
// migration to Scheduling.
func (c *migrationController) start(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod, target *corev1.Pod, now time.Time) error {
	key := next.Namespace + "/" + next.Name
	c.startMu.Lock()
	defer c.startMu.Unlock()
	if migrationSlots(c.s.config(), vmi.Status.NodeName, c.runningMigrations(key)) <= 0 {
		c.loop.addAfter(key, noSlotsRetry)
		return nil
	}
	if target == nil {
		if _, ok := c.targetCreated.Load(next.UID); !ok {
			c.targetCreated.Store(next.UID, now)
			pod, err := c.s.kube.CoreV1().Pods(vmi.Namespace).Create(ctx, migrationTargetPod(vmi, next), metav1.CreateOptions{})
			if err != nil {
				c.targetCreated.Delete(next.UID)
				return fmt.Errorf("creating target pod: %w", err)
			}
			target = pod
		}
	}
	c.started[key] = inFlight{key: key, sourceNode: vmi.Status.NodeName}
	next.Status.MigrationState = &virtv1.VirtualMachineInstanceMigrationState{
		MigrationUID: next.UID,
		SourceNode:   vmi.Status.NodeName,
	}
	if src := currentPod(vmi, pods); src != nil {
		next.Status.MigrationState.SourcePod = src.Name
	}
	if target != nil {
		next.Status.MigrationState.TargetPod = target.Name
	}
	setMigrationPhase(next, virtv1.MigrationScheduling, now)
	return nil
}

// runningMigrations are the migrations KubeVirt counts against its limits (those past
// Pending and not final), plus ones this controller just started. Called with startMu.
func (c *migrationController) runningMigrations(except string) []inFlight {
	var busy []inFlight
	seen := map[string]bool{}
	for _, m := range c.s.allMigrations() {
		key := m.Namespace + "/" + m.Name
		if key == except || !m.IsRunning() {
			continue
		}
		seen[key] = true
		busy = append(busy, inFlight{key: key, sourceNode: migrationSourceNode(c.s, m)})
	}
	for k, f := range c.started {
		if k != except && !seen[k] {
			busy = append(busy, f)
		}
	}
	return busy
}

// handOff is virt-controller handing the migration to virt-handler: the VMI gets its
// migrationState and the target node label.
func (c *migrationController) handOff(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, target *corev1.Pod) error {
	ms := next.Status.MigrationState
	if target == nil || ms == nil || ms.TargetNode == "" {
		return fmt.Errorf("migration %s scheduled without a target", next.Name)
	}
	return c.updateVMI(ctx, vmi, func(v *virtv1.VirtualMachineInstance) {
		if v.Status.MigrationState != nil && v.Status.MigrationState.MigrationUID == next.UID {
			return
		}
		v.Status.MigrationState = &virtv1.VirtualMachineInstanceMigrationState{
			MigrationUID: next.UID,
			SourceNode:   ms.SourceNode,
			SourcePod:    ms.SourcePod,
			TargetNode:   ms.TargetNode,
			TargetPod:    target.Name,
			Mode:         virtv1.MigrationPreCopy,
		}
		if v.Labels == nil {
			v.Labels = map[string]string{}
		}
		v.Labels[virtv1.MigrationTargetNodeNameLabel] = ms.TargetNode
	})
}

// finish ends a Running migration once its duration has passed: Failed when the VMI
// carries the failure knob or the target pod died, Succeeded otherwise.
func (c *migrationController) finish(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod, target *corev1.Pod, now time.Time) error {
	key := next.Namespace + "/" + next.Name
	if ok, err := c.vmiCarries(ctx, next, vmi, target, now, true); !ok {
		return err
	}
	ms := vmi.Status.MigrationState
	if ms.Completed && !ms.Failed && vmi.Status.NodeName == ms.TargetNode {
		return c.completeSucceeded(ctx, next, vmi, pods, now) // VMI already moved; finish up
	}
	if target == nil || target.DeletionTimestamp != nil || podFinished(target) {
		return c.fail(ctx, next, vmi, target, "target pod is down", now)
	}
	start := ms.StartTimestamp.Time
	if t, ok := c.runningSince.Load(next.UID); ok {
		start = t.(time.Time)
	}
	if left := start.Add(migrationDuration(vmi, c.s.opts.MigrationDuration)).Sub(now); left > 0 {
		c.loop.addAfter(key, left)
		return nil
	}
	if migrationShouldFail(vmi) {
		return c.fail(ctx, next, vmi, target, "migration failed (forced by "+annotationMigrationFail+")", now)
	}
	// virt-handler on the target reports the domain; the VMI now lives on the target node.
	err := c.updateVMI(ctx, vmi, func(v *virtv1.VirtualMachineInstance) {
		end := metav1.NewTime(now)
		st := v.Status.MigrationState
		st.EndTimestamp = &end
		st.Completed = true
		st.TargetNodeDomainReadyTimestamp = &end
		v.Status.NodeName = st.TargetNode
		v.Status.EvacuationNodeName = ""
		if v.Labels == nil {
			v.Labels = map[string]string{}
		}
		v.Labels[virtv1.NodeNameLabel] = st.TargetNode
		delete(v.Labels, virtv1.MigrationTargetNodeNameLabel)
	})
	if err != nil {
		return err
	}
	return c.completeSucceeded(ctx, next, vmi, pods, now)
}

func (c *migrationController) completeSucceeded(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, pods []*corev1.Pod, now time.Time) error {
	// The source launcher exits once the domain left it.
	for _, p := range pods {
		if next.Status.MigrationState != nil && p.Name == next.Status.MigrationState.SourcePod && p.DeletionTimestamp == nil {
			if err := c.deletePod(ctx, p); err != nil {
				return err
			}
		}
	}
	c.runningSince.Delete(next.UID)
	setMigrationPhase(next, virtv1.MigrationSucceeded, now)
	return nil
}

// cacheLagGrace is how long the VMI in the cache may lag behind this controller's own write of
// its migrationState before the state counts as lost.
const cacheLagGrace = 30 * time.Second

// errVMIBehind asks for a retry: the cached VMI does not show this migration's state yet.
var errVMIBehind = errors.New("the cached VMI does not show this migration yet")

// vmiCarries checks that the VMI carries this migration's state (started, for a Running
// migration), as the phases after Scheduled need. The VMI and the migration come from two
// informers, so right after handOff wrote the state the migration's own update can be seen
// first: then the sync is retried, as virt-controller's expectations hold it back, and only a
// state still missing after cacheLagGrace fails the migration. ok says the phase may go on;
// when it is false, err is the retry, or nil once the migration has been failed.
func (c *migrationController) vmiCarries(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, target *corev1.Pod, now time.Time, started bool) (ok bool, err error) {
	ms := vmi.Status.MigrationState
	if ms != nil && ms.MigrationUID == next.UID && (!started || ms.StartTimestamp != nil) {
		return true, nil
	}
	if now.Sub(phaseSince(next)) < cacheLagGrace {
		klog.Infof("migration %s/%s in phase %s: the cached VMI does not show it yet; retrying", next.Namespace, next.Name, next.Status.Phase)
		return false, fmt.Errorf("migration %s/%s in phase %s: %w", next.Namespace, next.Name, next.Status.Phase, errVMIBehind)
	}
	return false, c.fail(ctx, next, vmi, target, "VMI lost its migration state", now)
}

// phaseSince is when the migration entered its current phase (zero when unrecorded).
func phaseSince(m *virtv1.VirtualMachineInstanceMigration) time.Time {
	ts := m.Status.PhaseTransitionTimestamps
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Phase == m.Status.Phase {
			return ts[i].PhaseTransitionTimestamp.Time
		}
	}
	return time.Time{}
}

// fail ends the migration: the VMI's migrationState (if it was handed this migration)
// records the failure, the target label goes, the target pod is deleted.
func (c *migrationController) fail(ctx context.Context, next *virtv1.VirtualMachineInstanceMigration,
	vmi *virtv1.VirtualMachineInstance, target *corev1.Pod, reason string, now time.Time) error {
	if vmi != nil && vmi.Status.MigrationState != nil && vmi.Status.MigrationState.MigrationUID == next.UID &&
		!vmi.Status.MigrationState.Failed {
		err := c.updateVMI(ctx, vmi, func(v *virtv1.VirtualMachineInstance) {
			end := metav1.NewTime(now)
			st := v.Status.MigrationState
			if st.StartTimestamp == nil {
				st.StartTimestamp = &end
			}
			st.EndTimestamp = &end
			st.Completed = true
			st.Failed = true
			st.FailureReason = reason
			delete(v.Labels, virtv1.MigrationTargetNodeNameLabel)
		})
		if err != nil {
			return err
		}
	}
	if target != nil && target.DeletionTimestamp == nil {
		if err := c.deletePod(ctx, target); err != nil {
			return err
		}
	}
	c.runningSince.Delete(next.UID)
	c.failures.Store(next.UID, reason)
	klog.Infof("migration %s/%s (VMI %s) failed: %s", next.Namespace, next.Name, next.Spec.VMIName, reason)
	setMigrationPhase(next, virtv1.MigrationFailed, now)
	return nil
}

// updateVMI applies change to a fresh copy of the cached VMI and writes it; a conflict
// comes back as an error and the migration is retried from the newer cache.
func (c *migrationController) updateVMI(ctx context.Context, vmi *virtv1.VirtualMachineInstance, change func(*virtv1.VirtualMachineInstance)) error {
	v := vmi.DeepCopy()
	change(v)
	if apiequality.Semantic.DeepEqual(v, vmi) {
		return nil
	}
	_, err := c.s.virt.KubevirtV1().VirtualMachineInstances(v.Namespace).Update(ctx, v, metav1.UpdateOptions{})
	return err
}

func (c *migrationController) deletePod(ctx context.Context, pod *corev1.Pod) error {
	uid := pod.UID
	err := c.s.kube.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return err
	}
	return nil
}

// vmiMigrationState is the VMI's migrationState when it belongs to m, for mirroring into
// the VMIM's status as KubeVirt does.
func (c *migrationController) vmiMigrationState(vmiKey string, m *virtv1.VirtualMachineInstanceMigration) *virtv1.VirtualMachineInstanceMigrationState {
	vmi := c.s.vmi(vmiKey)
	if vmi == nil || vmi.Status.MigrationState == nil || vmi.Status.MigrationState.MigrationUID != m.UID {
		return nil
	}
	return vmi.Status.MigrationState.DeepCopy()
}

func targetPodOf(m *virtv1.VirtualMachineInstanceMigration, pods []*corev1.Pod) *corev1.Pod {
	for _, p := range pods {
		if p.Labels[virtv1.MigrationJobLabel] == string(m.UID) {
			return p
		}
	}
	return nil
}

// olderUnfinished reports whether another, older migration of the same VMI is in flight.
func olderUnfinished(m *virtv1.VirtualMachineInstanceMigration, all []*virtv1.VirtualMachineInstanceMigration) bool {
	for _, o := range all {
		if o.UID != m.UID && !o.IsFinal() && o.CreationTimestamp.Before(&m.CreationTimestamp) {
			return true
		}
	}
	return false
}

// unschedulableSince reports when the scheduler declared the pod unschedulable.
func unschedulableSince(pod *corev1.Pod) (time.Time, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return c.LastTransitionTime.Time, true
		}
	}
	return time.Time{}, false
}

// setMigrationPhase moves the migration to phase and records the transition time.
func setMigrationPhase(m *virtv1.VirtualMachineInstanceMigration, phase virtv1.VirtualMachineInstanceMigrationPhase, now time.Time) {
	if m.Status.Phase == phase {
		return
	}
	m.Status.Phase = phase
	m.Status.PhaseTransitionTimestamps = append(m.Status.PhaseTransitionTimestamps,
		virtv1.VirtualMachineInstanceMigrationPhaseTransitionTimestamp{Phase: phase, PhaseTransitionTimestamp: metav1.NewTime(now)})
}
