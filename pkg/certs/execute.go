package certs

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// Outcome is the before/after of one targeted certificate.
type Outcome struct {
	Component      string    `json:"component"`
	Namespace      string    `json:"namespace"`
	Secret         string    `json:"secret"`
	Role           Role      `json:"role"`
	BeforeSerial   string    `json:"beforeSerial,omitempty"`
	AfterSerial    string    `json:"afterSerial,omitempty"`
	BeforeNotAfter time.Time `json:"beforeNotAfter,omitempty"`
	AfterNotAfter  time.Time `json:"afterNotAfter,omitempty"`
	Reissued       bool      `json:"reissued"`
	Note           string    `json:"note,omitempty"`
	// ServedUnchecked says why what the pods serve could not be compared with the new
	// certificate (empty when it was, or when nothing was to be asked).
	ServedUnchecked string `json:"servedUnchecked,omitempty"`
}

// ServedUnchecked counts the outcomes whose served certificate could not be checked.
func (r *Result) ServedUnchecked() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.ServedUnchecked != "" {
			n++
		}
	}
	return n
}

// Result is what a rotation achieved.
type Result struct {
	Outcomes []Outcome `json:"outcomes"`
	// Pending names what was still not done when the rotation stopped.
	Pending []string `json:"pending,omitempty"`
}

// TimeoutError says what is still missing when --timeout ran out, and what to run.
type TimeoutError struct {
	Pending []string
	Hint    string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out; still missing:\n  %s\n%s", strings.Join(e.Pending, "\n  "), e.Hint)
}

// RestoreError: an operator scaled down by the rotation could not be scaled back. Its replicas
// stay recorded on the Deployment, so a re-run restores them.
type RestoreError struct {
	Namespace, Deployment string
	Replicas              int32
	Err                   error
}

func (e *RestoreError) Error() string {
	return fmt.Sprintf("could not scale deployment %s/%s back to %d replicas: %v; run `oc cnv certs rotate` again or `oc scale -n %s deployment/%s --replicas=%d`",
		e.Namespace, e.Deployment, e.Replicas, e.Err, e.Namespace, e.Deployment, e.Replicas)
}

func (e *RestoreError) Unwrap() error { return e.Err }

// Execute carries out the plan and waits until every targeted certificate is re-issued, every
// bundle holds the new CAs and the components' pods are Ready. The components belong to
// different operators that do not depend on each other, so they are rotated side by side; the
// disruption is the same as one after the other, only shorter. An operator it scales down is
// always scaled back to its recorded replicas, also when ctx is cancelled (SIGINT/SIGTERM) or a
// step fails. timeout applies to each component.
func (r *Rotator) Execute(ctx context.Context, p *Plan, timeout time.Duration) (*Result, error) {
	cctx, stopCache := context.WithCancel(ctx)
	defer stopCache()
	var namespaces []string
	for _, cp := range p.Components {
		namespaces = append(namespaces, cp.Namespace)
	}
	if cr, err := startCache(cctx, r.Client, namespaces); err == nil {
		r.cache = cr
		defer func() { r.cache = nil }()
	} else {
		stopCache()
		klog.V(2).InfoS("re-checking by reading the API server", "every", r.poll(), "reason", err)
	}

	type componentResult struct {
		outs    []Outcome
		pending []string
		err     error
	}
	results := make([]componentResult, len(p.Components))
	var wg sync.WaitGroup
	for i := range p.Components {
		cp := &p.Components[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.update(cp.Name, func(st *ComponentState) { st.Targets = len(cp.Targets) }, fmt.Sprintf("rotating in namespace %s (%s)", cp.Namespace, cp.Strategy))
			outs, pending, err := r.executeComponent(ctx, cp, timeout)
			results[i] = componentResult{outs, pending, err}
			if err == nil && len(pending) == 0 {
				r.update(cp.Name, func(st *ComponentState) { st.Phase, st.Pending = PhaseDone, nil }, "done")
			}
		}()
	}
	wg.Wait()

	res := &Result{}
	var errs []error
	var timedOut, selected []string
	interrupted := false
	for i, cr := range results {
		res.Outcomes = append(res.Outcomes, cr.outs...)
		res.Pending = append(res.Pending, cr.pending...)
		switch {
		case cr.err == nil && len(cr.pending) > 0:
			timedOut = append(timedOut, p.Components[i].Name)
			selected = append(selected, prefixAll("secret/", p.Components[i].Selected)...)
		case cr.err == nil:
		case onlyInterrupted(ctx, cr.err):
			// Every component reports the same interruption; say it once.
			interrupted = true
		default:
			errs = append(errs, cr.err)
		}
	}
	if interrupted {
		errs = append(errs, ctx.Err())
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	if len(timedOut) > 0 {
		// A rotation of named Secrets is re-run with the same names: --components would
		// rotate every certificate of the component.
		what := "--components " + strings.Join(timedOut, ",")
		if len(selected) > 0 {
			what = strings.Join(selected, " ")
		}
		return res, &TimeoutError{Pending: res.Pending, Hint: fmt.Sprintf(
			"Check the logs of the owning operators, then run `oc cnv certs rotate -n %s %s` again: a re-run completes an interrupted rotation.",
			p.Namespace, what)}
	}
	return res, nil
}

// onlyInterrupted: err says no more than that ctx was cancelled. A failed restore of replicas
// says more and is kept.
func onlyInterrupted(ctx context.Context, err error) bool {
	var re *RestoreError
	return ctx.Err() != nil && errors.Is(err, ctx.Err()) && !errors.As(err, &re)
}

func (r *Rotator) executeComponent(ctx context.Context, cp *ComponentPlan, timeout time.Duration) (outs []Outcome, pending []string, err error) {
	start := r.now()
	deadline := start.Add(timeout)
	var restore *Step
	// Whatever happens below, an operator this run scaled down goes back to its replicas.
	defer func() {
		if restore == nil {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if rerr := r.restoreReplicas(rctx, restore.Namespace, restore.Name, restore.Replicas); rerr != nil {
			err = errors.Join(err, &RestoreError{Namespace: restore.Namespace, Deployment: restore.Name, Replicas: restore.Replicas, Err: rerr})
		}
	}()

	for _, s := range cp.Steps {
		if s.AfterReissue || s.AfterSigners {
			continue
		}
		if err := ctx.Err(); err != nil {
			return r.outcomes(ctx, cp), nil, err
		}
		r.say(cp.Name, "%s", s.Short())
		switch s.Action {
		case ActRestoreReplicas:
			if err := r.restoreReplicas(ctx, s.Namespace, s.Name, s.Replicas); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", s, err)
			}
		case ActScaleDown:
			// Armed before the request: a request cut short by a signal may still have been
			// applied, and restoring replicas that were never taken away does no harm.
			restore = &s
			if err := r.retryTransient(ctx, s.String(), func() error { return r.scaleDown(ctx, s.Namespace, s.Name, s.Replicas) }); err != nil {
				return nil, nil, fmt.Errorf("scaling deployment/%s to 0: %w", s.Name, err)
			}
			if err := r.waitPodsGone(ctx, cp.Name, s.Namespace, s.Name, deadline); err != nil {
				return r.outcomes(ctx, cp), []string{fmt.Sprintf("deployment/%s still has pods", s.Name)}, err
			}
		default:
			if err := r.apply(ctx, s); err != nil {
				return r.outcomes(ctx, cp), nil, err
			}
		}
	}
	// The recreate route deleted the certificates while the operator was down; it re-issues
	// them once it runs again.
	if restore != nil {
		r.say(cp.Name, "scale deployment/%s back to %d replicas", restore.Name, restore.Replicas)
		if err := r.restoreReplicas(ctx, restore.Namespace, restore.Name, restore.Replicas); err != nil {
			// The deferred restore tries once more and reports a *RestoreError if it fails too.
			return r.outcomes(ctx, cp), nil, err
		}
		restore = nil
	}

	fallbackAt := start.Add(timeout / 2)
	fallbackDone, afterDone := cp.Fallback == "", false
	signersDone := !slices.ContainsFunc(cp.Steps, func(s Step) bool { return s.AfterSigners })
	var lastPending []string
	// Every target counts as waiting at first, so each re-issue gets its line, also one that
	// happened before the first look.
	waiting := map[string]bool{}
	for _, t := range cp.Targets {
		waiting[t.Secret] = true
	}
	r.say(cp.Name, "waiting for %d certificate(s) to be re-issued", len(cp.Targets))
	for {
		changed := r.changed()
		st := r.verify(ctx, cp)
		// One line per change, naming only what changed: reprinting what is still pending
		// at every change made the log unreadable.
		still := map[string]bool{}
		for _, n := range st.notReissued {
			still[n] = true
		}
		reissued := len(cp.Targets) - len(st.notReissued)
		changes := append(reissueLines(cp.Targets, waiting, still, len(cp.Targets)-len(waiting)), pendingChanges(lastPending, st.pending)...)
		r.update(cp.Name, func(s *ComponentState) {
			s.Phase, s.Reissued, s.Pending = PhaseWaiting, reissued, append([]string(nil), st.pending...)
		}, "")
		for _, line := range changes {
			r.say(cp.Name, "%s", line)
		}
		lastPending, waiting = st.pending, still
		if !signersDone {
			ok, why := r.signersTrusted(ctx, cp)
			st.pending = append(st.pending, why...)
			if ok {
				if err := r.applyDeferred(ctx, cp, func(s Step) bool { return s.AfterSigners }); err != nil {
					return r.outcomes(ctx, cp), nil, err
				}
				signersDone = true
				continue
			}
		}
		if st.reissued && !afterDone {
			if err := r.applyDeferred(ctx, cp, func(s Step) bool { return s.AfterReissue }); err != nil {
				return r.outcomes(ctx, cp), nil, err
			}
			afterDone = true
			continue
		}
		if st.reissued && len(st.pending) == 0 {
			return r.outcomes(ctx, cp), nil, nil
		}
		now := r.now()
		if !fallbackDone && now.After(fallbackAt) {
			fallbackDone = true
			for _, t := range st.notReissued {
				if !signersDone && deferred(cp, t) {
					// Not asked yet: its signer's bundles are what is late, and deleting it
					// would open the very window the wait avoids.
					continue
				}
				r.say(cp.Name, "secret/%s not re-issued the gentle way: deleting it for its owner to re-create", t)
				if err := r.Client.CoreV1().Secrets(cp.Namespace).Delete(ctx, t, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					return r.outcomes(ctx, cp), nil, fmt.Errorf("deleting secret %s/%s: %w", cp.Namespace, t, err)
				}
				for i := range cp.Targets {
					if cp.Targets[i].Secret == t {
						cp.Targets[i].fellBack = true
					}
				}
			}
		}
		if now.After(deadline) {
			return r.outcomes(ctx, cp), prefix(cp.Name, st.pending), nil
		}
		select {
		case <-ctx.Done():
			return r.outcomes(ctx, cp), prefix(cp.Name, st.pending), ctx.Err()
		case <-changed:
		case <-time.After(r.poll()):
		}
	}
}

func prefix(p string, items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = p + ": " + s
	}
	return out
}

// apply performs one step.
func (r *Rotator) apply(ctx context.Context, s Step) error {
	// Taken once, so that a retried restart asks for one rollout, not two.
	now := r.now()
	err := r.retryTransient(ctx, s.String(), func() error { return r.applyOnce(ctx, s, now) })
	if err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	return nil
}

func (r *Rotator) applyOnce(ctx context.Context, s Step, now time.Time) error {
	var err error
	switch s.Action {
	case ActAnnotateDuration:
		// virt-operator re-issues a Secret whose kubevirt.io/duration is not the configured
		// duration, and writes the configured one back.
		err = r.annotateSecret(ctx, s.Namespace, s.Name, "kubevirt.io/duration", "0s")
	case ActExpireNotAfter:
		err = r.annotateSecret(ctx, s.Namespace, s.Name, "auth.openshift.io/certificate-not-after", now.Add(-time.Minute).UTC().Format(time.RFC3339))
	case ActDeleteSecret:
		err = r.Client.CoreV1().Secrets(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			err = nil
		}
	case ActDeleteWebhook:
		if s.Kind == KindMutating {
			err = r.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, s.Name, metav1.DeleteOptions{})
		} else {
			err = r.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, s.Name, metav1.DeleteOptions{})
		}
		if apierrors.IsNotFound(err) {
			err = nil
		}
	case ActRestart:
		err = r.restart(ctx, s.Kind, s.Namespace, s.Name, now)
	case ActDeleteRoute:
		if r.Dynamic == nil {
			return errors.New("no dynamic client")
		}
		err = r.Dynamic.Resource(gvrRoute).Namespace(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			err = nil
		}
	default:
		err = fmt.Errorf("unknown step %q", s.Action)
	}
	return err
}

func (r *Rotator) annotateSecret(ctx context.Context, ns, name, key, value string) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	_, err := r.Client.CoreV1().Secrets(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		// Already gone: its owner will create it anew, which is a re-issue too.
		return nil
	}
	return err
}

// restart does what `kubectl rollout restart` does.
func (r *Rotator) restart(ctx context.Context, kind, ns, name string, at time.Time) error {
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{"kubectl.kubernetes.io/restartedAt": at.UTC().Format(time.RFC3339Nano)}}}}})
	if kind == "DaemonSet" {
		d, err := r.Client.AppsV1().DaemonSets(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err == nil {
			r.noteGeneration(kind, ns, name, d.Generation)
		}
		return err
	}
	d, err := r.Client.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err == nil {
		r.noteGeneration("Deployment", ns, name, d.Generation)
	}
	return err
}

// scaleDown records replicas in ReplicasAnnotation and scales to 0 in one patch, so there is
// never a moment where the Deployment is at 0 without the record.
func (r *Rotator) scaleDown(ctx context.Context, ns, name string, replicas int32) error {
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{ReplicasAnnotation: fmt.Sprint(replicas)}},
		"spec":     map[string]any{"replicas": 0},
	})
	_, err := r.Client.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

func (r *Rotator) restoreReplicas(ctx context.Context, ns, name string, replicas int32) error {
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{ReplicasAnnotation: nil}},
		"spec":     map[string]any{"replicas": replicas},
	})
	return r.retryTransient(ctx, fmt.Sprintf("scale deployment/%s back to %d replicas", name, replicas), func() error {
		d, err := r.Client.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
		if err == nil {
			r.noteGeneration("Deployment", ns, name, d.Generation)
		}
		return err
	})
}

func (r *Rotator) waitPodsGone(ctx context.Context, component, ns, name string, deadline time.Time) error {
	d, err := r.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading deployment %s/%s: %w", ns, name, err)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return fmt.Errorf("deployment %s/%s has an invalid selector: %w", ns, name, err)
	}
	// Pods are not cached (a namespace may hold many), so this wait polls.
	last := -1
	for {
		pods, err := r.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return fmt.Errorf("listing the pods of deployment %s/%s: %w", ns, name, err)
		}
		if len(pods.Items) == 0 {
			return nil
		}
		if r.now().After(deadline) {
			return fmt.Errorf("deployment %s/%s still has %d pod(s) after scaling to 0", ns, name, len(pods.Items))
		}
		if len(pods.Items) != last {
			r.say(component, "waiting for the %d pod(s) of deployment/%s to stop", len(pods.Items), name)
			last = len(pods.Items)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.poll()):
		}
	}
}

type verifyState struct {
	reissued    bool
	notReissued []string
	pending     []string
}

// verify checks the component: every target re-issued (new serial, later NotAfter), the bundles
// its clients use holding the new CA (or verifying the new leaf), and its pods Ready.
func (r *Rotator) verify(ctx context.Context, cp *ComponentPlan) verifyState {
	st := verifyState{reissued: true}
	for _, t := range cp.Targets {
		cur, chain, err := r.currentCert(ctx, cp.Namespace, t)
		if err != nil || cur == nil || !isReissued(t, cur) {
			st.reissued = false
			st.notReissued = append(st.notReissued, t.Secret)
			st.pending = append(st.pending, fmt.Sprintf("secret/%s re-issued", t.Secret))
			continue
		}
		for _, ref := range t.TrustedBy {
			sets, ok := r.fetchBundles(ctx, cp.Namespace, ref)
			if !ok {
				continue
			}
			for _, set := range sets {
				good := false
				if t.Role == RoleCA {
					good = containsCert(set, cur)
				} else {
					good = Verify(cur, set, chain) == nil
				}
				if !good {
					st.pending = append(st.pending, fmt.Sprintf("%s to trust secret/%s", refObject(ref), t.Secret))
					break
				}
			}
		}
		if msg := r.servedPending(ctx, cp, t, cur); msg != "" {
			st.pending = append(st.pending, msg)
		}
	}
	ws := append([]Workload{}, cp.comp.Workloads...)
	isOperator := func(w Workload) bool { return w.Kind == "Deployment" && w.Name == cp.comp.Operator }
	if cp.comp.Operator != "" && !slices.ContainsFunc(ws, isOperator) {
		ws = append(ws, Workload{Kind: "Deployment", Name: cp.comp.Operator})
	}
	for _, w := range ws {
		if msg := r.notReady(ctx, cp.Namespace, w); msg != "" {
			st.pending = append(st.pending, msg)
		}
	}
	if cp.comp.Operator != "" && !st.reissued {
		if d, err := r.reader().deployment(ctx, cp.Namespace, cp.comp.Operator); err == nil && d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
			st.pending = append(st.pending, fmt.Sprintf("deployment/%s to run: it has 0 replicas, so nothing is re-issued; scale it up", cp.comp.Operator))
		}
	}
	return st
}

func isReissued(t Target, cur *x509.Certificate) bool {
	if t.Missing {
		return true
	}
	// Not earlier, rather than later: a certificate re-issued within the second of the one it
	// replaces has the same NotAfter, since X.509 times have a resolution of one second.
	changed := serialHex(cur) != t.Serial
	if t.fingerprint != "" {
		changed = fingerprint(cur) != t.fingerprint
	}
	return changed && !cur.NotAfter.Before(t.NotAfter)
}

func (r *Rotator) currentCert(ctx context.Context, ns string, t Target) (*x509.Certificate, []*x509.Certificate, error) {
	s, err := r.reader().secret(ctx, ns, t.Secret)
	if err != nil {
		return nil, nil, err
	}
	certs, err := ParsePEMBundle(s.Data[t.Key])
	if err != nil {
		return nil, nil, err
	}
	return certs[0], certs[1:], nil
}

// fetchBundles returns the CA bundles of ref for namespace ns; false when it does not exist.
func (r *Rotator) fetchBundles(ctx context.Context, ns string, ref Ref) ([][]*x509.Certificate, bool) {
	switch ref.Kind {
	case KindConfigMap:
		c, err := r.reader().configMap(ctx, ns, ref.Name)
		if err != nil {
			return nil, false
		}
		certs, _ := ParsePEMBundle([]byte(c.Data[ref.Key]))
		return [][]*x509.Certificate{certs}, true
	case KindValidating, KindMutating:
		name, ok := r.webhookName(ctx, ref, ns)
		if !ok {
			return nil, false
		}
		configs, err := r.reader().webhooks(ctx, ref.Kind, name)
		if err != nil {
			return nil, false
		}
		var sets [][]*x509.Certificate
		for _, cc := range configs {
			certs, _ := ParsePEMBundle(cc.CABundle)
			sets = append(sets, certs)
		}
		return sets, true
	case KindRoute:
		if r.Dynamic == nil {
			return nil, false
		}
		u, err := r.Dynamic.Resource(gvrRoute).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, false
		}
		v, _, _ := unstructured.NestedString(u.Object, "spec", "tls", ref.Key)
		certs, _ := ParsePEMBundle([]byte(v))
		return [][]*x509.Certificate{certs}, true
	case KindAPIService:
		if r.Dynamic == nil {
			return nil, false
		}
		u, err := r.Dynamic.Resource(gvrAPIService).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, false
		}
		if svcNS, _, _ := unstructured.NestedString(u.Object, "spec", "service", "namespace"); svcNS != ns {
			return nil, false
		}
		ca, _, _ := unstructured.NestedString(u.Object, "spec", "caBundle")
		raw, err := base64.StdEncoding.DecodeString(ca)
		if err != nil {
			return nil, false
		}
		certs, _ := ParsePEMBundle(raw)
		return [][]*x509.Certificate{certs}, true
	}
	return nil, false
}

// notReady returns why a workload is not rolled out and Ready, or "".
func (r *Rotator) notReady(ctx context.Context, ns string, w Workload) string {
	if w.Kind == "DaemonSet" {
		d, err := r.reader().daemonSet(ctx, ns, w.Name)
		if err != nil {
			return ""
		}
		s := d.Status
		if d.Generation < r.changedGeneration(w.Kind, ns, w.Name) {
			return fmt.Sprintf("daemonset/%s to start rolling out", w.Name)
		}
		if s.ObservedGeneration < d.Generation || s.UpdatedNumberScheduled < s.DesiredNumberScheduled || s.NumberReady < s.DesiredNumberScheduled {
			return fmt.Sprintf("daemonset/%s to roll out: %d of %d pods updated, %d ready", w.Name, s.UpdatedNumberScheduled, s.DesiredNumberScheduled, s.NumberReady)
		}
		return ""
	}
	d, err := r.reader().deployment(ctx, ns, w.Name)
	if err != nil {
		return ""
	}
	if d.Generation < r.changedGeneration("Deployment", ns, w.Name) {
		return fmt.Sprintf("deployment/%s to start rolling out", w.Name)
	}
	if !deploymentReady(d) {
		// Ready and updated are counted separately: an old pod can be the Ready one while the
		// new one is still pending, and the old ones must be gone too.
		st := d.Status
		return fmt.Sprintf("deployment/%s to roll out: %d of %d pods updated, %d ready, %d old", w.Name, st.UpdatedReplicas, desiredReplicas(d), st.ReadyReplicas, max(st.Replicas-st.UpdatedReplicas, 0))
	}
	return ""
}

// desiredReplicas is spec.replicas, which the API server defaults to 1 when unset.
func desiredReplicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas != nil {
		return *d.Spec.Replicas
	}
	return 1
}

func deploymentReady(d *appsv1.Deployment) bool {
	want := desiredReplicas(d)
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.ReadyReplicas == want && s.Replicas == want
}

// outcomes reads the current certificates of the component's targets.
func (r *Rotator) outcomes(ctx context.Context, cp *ComponentPlan) []Outcome {
	var out []Outcome
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, t := range cp.Targets {
		o := Outcome{Component: cp.Name, Namespace: cp.Namespace, Secret: t.Secret, Role: t.Role, BeforeSerial: t.Serial, BeforeNotAfter: t.NotAfter}
		if cur, _, err := r.currentCert(rctx, cp.Namespace, t); err == nil && cur != nil {
			o.AfterSerial, o.AfterNotAfter = serialHex(cur), cur.NotAfter.UTC()
			o.Reissued = isReissued(t, cur)
		}
		var notes []string
		if t.fellBack {
			notes = append(notes, "re-created after deleting the Secret")
		}
		if why, ok := r.servedUnchecked.Load(cp.Namespace + "/" + t.Secret); ok {
			o.ServedUnchecked = why.(string)
			notes = append(notes, "what is served not checked")
		}
		o.Note = strings.Join(notes, "; ")
		out = append(out, o)
	}
	return out
}

// refObject names a bundle's object as check's default table does.
func refObject(r Ref) string {
	if k, ok := shortKinds[r.Kind]; ok {
		return k + "/" + r.Name
	}
	return strings.ToLower(r.Kind) + "/" + r.Name
}

// The handshakes of one certificate while its pods catch up come quickly at first, since most
// pods reload within a second or two of the kubelet refreshing their volume, then no more often
// than servedProbeMax.
const (
	servedProbeFirst = 250 * time.Millisecond
	servedProbeMax   = 2 * time.Second
)

// servedProbeFailures is how many handshakes in a row may fail before what a Service serves is
// given up as not checked: a pod that is restarting, or whose forward is being set up, fails
// one and answers the next.
const servedProbeFailures = 3

// servedProbe is when one certificate's pods may be asked again, how often they were, and how
// many of the last handshakes in a row failed.
type servedProbe struct {
	next     time.Time
	tries    int
	failures int
}

// after is the probe that follows one made at now: 250ms, 500ms, 1s, then 2s later.
func (p servedProbe) after(now time.Time) servedProbe {
	wait := servedProbeMax
	if p.tries < 3 {
		wait = min(servedProbeFirst<<p.tries, servedProbeMax)
	}
	return servedProbe{next: now.Add(wait), tries: p.tries + 1, failures: p.failures}
}

// servedPending says what is still awaited of the pods behind t's Service: that one of them
// presents the re-issued certificate cur. "" when it does, when there is nothing to ask
// (no Service, no --served) or when it was asked too recently to ask again.
func (r *Rotator) servedPending(ctx context.Context, cp *ComponentPlan, t Target, cur *x509.Certificate) string {
	if r.Served == nil || r.Served.Dialer == nil {
		return ""
	}
	var entry *CertEntry
	for i := range cp.comp.Certs {
		if e := &cp.comp.Certs[i]; e.Secret == t.Secret && e.Service != "" {
			entry = e
		}
	}
	if entry == nil {
		return ""
	}
	key, want := cp.Namespace+"/"+t.Secret, fingerprint(cur)
	if v, ok := r.servedSeen.Load(key); ok && v.(string) == want {
		return ""
	}
	// One item whatever is learnt about it, so that the wait's progress says how it changed
	// rather than that one thing ended and another began.
	pending := fmt.Sprintf("service/%s to serve the new certificate", entry.Service)
	var last servedProbe
	if v, ok := r.servedNext.Load(key); ok {
		last = v.(servedProbe)
	}
	now := r.now()
	if now.Before(last.next) {
		if msg, ok := r.servedSeen.Load(key + "/pending"); ok {
			return msg.(string)
		}
		return pending
	}
	next := last.after(now)
	ep, err := probe(ctx, r.Client, *r.Served, cp.Namespace, *entry)
	if err != nil {
		next.failures++
	} else {
		next.failures = 0
	}
	r.servedNext.Store(key, next)
	switch {
	case err != nil && next.failures < servedProbeFailures && ctx.Err() == nil:
		klog.V(2).InfoS("served probe failed; asking again", "secret", key, "failures", next.failures, "err", err)
		return pending
	case err != nil:
		// What cannot be reached cannot be judged: said once, and not waited for, so that a
		// component without a reachable endpoint does not hold the rotation until --timeout.
		r.servedSeen.Store(key, want)
		r.servedUnchecked.Store(key, err.Error())
		// probe's errors name the Service, the Secret and the pod, and say it was not checked.
		r.say(cp.Name, "%v", err)
		return ""
	case fingerprint(ep.chain[0]) == want:
		r.servedSeen.Store(key, want)
		return ""
	default:
		r.servedSeen.Store(key, fingerprint(ep.chain[0]))
		pending += fmt.Sprintf(": pod/%s still serves the old one", ep.pod.Name)
	}
	r.servedSeen.Store(key+"/pending", pending)
	return pending
}

// applyDeferred takes, in plan order, the steps that waited for a condition now met.
func (r *Rotator) applyDeferred(ctx context.Context, cp *ComponentPlan, waited func(Step) bool) error {
	for _, s := range cp.Steps {
		if !waited(s) {
			continue
		}
		r.say(cp.Name, "%s", s.Short())
		if err := r.apply(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// deferred reports whether secret's expiry waits for its signer's bundles.
func deferred(cp *ComponentPlan, secret string) bool {
	return slices.ContainsFunc(cp.Steps, func(s Step) bool { return s.AfterSigners && s.Name == secret })
}

// signersTrusted reports whether every bundle that trusts a target whose expiry waits holds
// the re-issued signer that will sign it; if not, what is still waited for.
func (r *Rotator) signersTrusted(ctx context.Context, cp *ComponentPlan) (bool, []string) {
	var why []string
	for _, t := range cp.Targets {
		if !deferred(cp, t.Secret) {
			continue
		}
		for _, c := range signersOf(cp.Targets, t) {
			cur, _, err := r.currentCert(ctx, cp.Namespace, c)
			if err != nil || cur == nil || !isReissued(c, cur) {
				// Its own line says the signer is not re-issued yet.
				return false, why
			}
			for _, ref := range t.TrustedBy {
				sets, ok := r.fetchBundles(ctx, cp.Namespace, ref)
				if !ok {
					continue
				}
				for _, set := range sets {
					if !containsCert(set, cur) {
						why = append(why, fmt.Sprintf("%s to hold the new secret/%s", refObject(ref), c.Secret))
						break
					}
				}
			}
		}
	}
	return len(why) == 0, why
}
