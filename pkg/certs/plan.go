package certs

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Strategies of `certs rotate`.
const (
	// StrategyReissue forces each owner's own rotation and leaves every operator running.
	StrategyReissue = "reissue"
	// StrategyRecreate is rotate-certs.sh's route for CDI, for releases whose cdi-operator does
	// not honour certificate-not-after: scale cdi-operator to 0, delete its certificate Secrets
	// and webhook configurations, scale it back to the replicas it had.
	StrategyRecreate = "recreate"
)

// ReplicasAnnotation records, on an operator Deployment scaled down by a rotation, how many
// replicas it had, so that a rotation interrupted by a crash is completed by the next run.
const ReplicasAnnotation = "certs.oc-cnv.io/replicas-before-rotation"

// Actions of plan steps.
const (
	ActAnnotateDuration = "set kubevirt.io/duration"
	ActExpireNotAfter   = "set auth.openshift.io/certificate-not-after to the past"
	ActRestart          = "restart"
	ActDeleteSecret     = "delete secret"
	ActScaleDown        = "scale to 0 (replicas recorded)"
	ActDeleteWebhook    = "delete webhook configuration"
	ActRestoreReplicas  = "restore replicas"
	ActDeleteRoute      = "delete route"
)

// Step is one change a rotation makes.
type Step struct {
	Action    string `json:"action"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// AfterReissue steps run once the new certificates exist (restarts of pods that do not
	// reload them).
	AfterReissue bool `json:"afterReissue,omitempty"`
	// AfterSigners steps expire a certificate only once every bundle that trusts it holds the
	// re-issued signer it will be signed with: an owner that signs the new certificate at once
	// but puts the new signer into its webhooks on a later reconcile (cdi-operator) would
	// otherwise serve, for that moment, a certificate the API server does not trust.
	AfterSigners bool `json:"afterSigners,omitempty"`
	// Replicas is what a restore sets.
	Replicas int32 `json:"replicas,omitempty"`
}

// String is the step as the plan and the progress show it, kept short enough that a progress
// line fits 120 columns: webhook configurations go by check's short kinds, and the annotation
// that records replicas is named in the help instead.
func (s Step) String() string {
	obj := strings.ToLower(s.Kind) + "/" + s.Name
	if k, ok := shortKinds[s.Kind]; ok && (s.Kind == KindValidating || s.Kind == KindMutating) {
		obj = k + "/" + s.Name
	}
	switch s.Action {
	case ActRestoreReplicas:
		return fmt.Sprintf("%s %s to %d (left by an interrupted rotation)", s.Action, obj, s.Replicas)
	case ActScaleDown:
		return fmt.Sprintf("scale %s to 0 (recording %d replicas), back to %d afterwards, also on error or interrupt", obj, s.Replicas, s.Replicas)
	case ActRestart:
		when := ""
		if s.AfterReissue {
			when = " once its new certificate exists (it does not reload it)"
		}
		return fmt.Sprintf("restart %s%s", obj, when)
	case ActDeleteSecret, ActDeleteWebhook, ActDeleteRoute:
		return fmt.Sprintf("delete %s (its owner re-creates it)", obj)
	case ActExpireNotAfter:
		if s.AfterSigners {
			return fmt.Sprintf("%s on %s (once the bundles that trust it hold the new signer)", s.Action, obj)
		}
	}
	return fmt.Sprintf("%s on %s", s.Action, obj)
}

// Short is the step without the explanation in parentheses that the plan gives: what a
// progress line says when it is taken.
func (s Step) Short() string {
	short, _, _ := strings.Cut(s.String(), " (")
	return short
}

// Target is a certificate a rotation must see re-issued.
type Target struct {
	Secret   string    `json:"secret"`
	Key      string    `json:"key"`
	Role     Role      `json:"role"`
	Serial   string    `json:"serial,omitempty"`
	NotAfter time.Time `json:"notAfter,omitempty"`
	// Missing: the Secret did not exist; it counts as re-issued once it does.
	Missing   bool  `json:"missing,omitempty"`
	TrustedBy []Ref `json:"-"`
	fellBack  bool
	// fingerprint tells the re-issued certificate from the one planned over where the serial
	// cannot (an owner that gives every CA serial 0).
	fingerprint string
}

// ComponentPlan is what a rotation does to one component.
type ComponentPlan struct {
	Name      string   `json:"component"`
	Owner     string   `json:"owner"`
	Namespace string   `json:"namespace"`
	Version   string   `json:"version"`
	Strategy  string   `json:"strategy"`
	Targets   []Target `json:"targets"`
	Steps     []Step   `json:"steps"`
	Fallback  string   `json:"fallback,omitempty"`
	Untouched []string `json:"untouched,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	// Gaps are the interruptions of the component's clients this plan cannot avoid.
	Gaps []string `json:"gaps,omitempty"`
	// Selected are the Secrets named on the command line (empty: all of the component's);
	// AlsoReissued those their owner re-issues with them.
	Selected     []string `json:"selected,omitempty"`
	AlsoReissued []string `json:"alsoReissued,omitempty"`

	comp Component
}

// Interruptions is what a rotation may disturb.
type Interruptions struct {
	// RunningMigrations is -1 when it could not be counted.
	RunningMigrations int  `json:"runningMigrations"`
	CDIWorkerPods     int  `json:"cdiWorkerPods"`
	ConsolesClose     bool `json:"consolesClose"`
}

// Plan is a whole rotation.
type Plan struct {
	Namespace     string          `json:"namespace"`
	CDINamespace  string          `json:"cdiNamespace"`
	Strategy      string          `json:"strategy"`
	Components    []ComponentPlan `json:"components"`
	Skipped       []string        `json:"skipped,omitempty"`
	Interruptions Interruptions   `json:"interruptions"`

	// installed counts the selected components found installed, with or without Secrets.
	installed int
}

// ShortOwner is the owner's name without the detail in parentheses, for sentences: the plan
// text of pkg/printers names who re-issues the certificates that come with the selected ones.
func (cp ComponentPlan) ShortOwner() string { return shortOwner(cp.Owner) }

// NothingInstalled reports whether none of the selected components is installed where the
// plan looked: the namespace is most likely the wrong one.
func (p *Plan) NothingInstalled() bool { return p.installed == 0 }

// RotateOptions select what to rotate.
type RotateOptions struct {
	Namespace    string
	CDINamespace string
	// Components to rotate; empty means every installed one.
	Components []string
	// Secrets to re-issue, by name; empty means all of the components'. Their components are
	// rotated, narrowed to them and what their owners re-issue with them.
	Secrets  []string
	Strategy string
	Timeout  time.Duration
}

// Rotator plans, checks, executes and verifies rotations. It is the domain half of
// `oc cnv certs rotate`: clients and writers in, no flags, no globals.
type Rotator struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface // optional: migrations
	// Progress is told of every change: a step taken, a certificate re-issued, something new
	// waited for, with the component's state after it.
	Progress func(Progress)
	// Poll is how often waits re-check besides when a watched object changes; default 500ms.
	Poll time.Duration
	Now  func() time.Time
	// Served, when set, makes a certificate count as rotated only once a pod behind its
	// Service presents it: a Secret re-issued under a pod that never reloads is not done.
	Served *ServedOptions

	// servedSeen holds, per namespace/secret, the serial a pod was last seen serving;
	// servedNext when it may be asked again (a servedProbe): a handshake per poll would be a
	// needless load while a kubelet takes its minute to refresh a volume.
	servedSeen sync.Map
	servedNext sync.Map
	// servedUnchecked holds, per namespace/secret, why its pods could not be asked.
	servedUnchecked sync.Map
	// cache serves the reads of Execute's waits; nil before and after.
	cache *cachedReader
	// generations holds, per workload, the generation of this run's last change to it: a
	// cache that has not caught up with the change must not count the old rollout as done.
	generations sync.Map
	sayMu       sync.Mutex
	states      map[string]*ComponentState
}

func (r *Rotator) reader() reader {
	if r.cache != nil {
		return r.cache
	}
	return apiReader{r.Client}
}

// changed returns a channel closed when a watched object changes next; nil (never ready)
// without a cache.
func (r *Rotator) changed() <-chan struct{} {
	if r.cache == nil {
		return nil
	}
	return r.cache.next()
}

func (r *Rotator) noteGeneration(kind, ns, name string, gen int64) {
	r.generations.Store(kind+"/"+ns+"/"+name, gen)
}

func (r *Rotator) changedGeneration(kind, ns, name string) int64 {
	if v, ok := r.generations.Load(kind + "/" + ns + "/" + name); ok {
		return v.(int64)
	}
	return 0
}

func (r *Rotator) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// say reports a change of component's rotation.
func (r *Rotator) say(component, format string, a ...any) {
	r.update(component, nil, fmt.Sprintf(format, a...))
}

// update changes component's state with change (when not nil) and reports line, when not
// empty, with the state after it.
func (r *Rotator) update(component string, change func(*ComponentState), line string) {
	r.sayMu.Lock()
	defer r.sayMu.Unlock()
	if r.states == nil {
		r.states = map[string]*ComponentState{}
	}
	st, ok := r.states[component]
	if !ok {
		st = &ComponentState{Phase: PhaseRotating, Started: r.now()}
		r.states[component] = st
	}
	if change != nil {
		change(st)
	}
	if line != "" && r.Progress != nil {
		cp := *st
		cp.Pending = append([]string(nil), st.Pending...)
		r.Progress(Progress{Component: component, Line: line, State: cp})
	}
}

func (r *Rotator) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return 500 * time.Millisecond
}

var gvrMigrations = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstancemigrations"}

// DetectNamespace returns the CNV namespace when none was given: openshift-cnv, or
// kubevirt-hyperconverged when the components are there instead (upstream HCO installs).
func DetectNamespace(ctx context.Context, c kubernetes.Interface) string {
	for _, ns := range []string{"openshift-cnv", "kubevirt-hyperconverged"} {
		for _, comp := range Catalogue() {
			if comp.Operator == "" {
				continue
			}
			if _, err := c.AppsV1().Deployments(ns).Get(ctx, comp.Operator, metav1.GetOptions{}); err == nil {
				return ns
			}
		}
	}
	return "openshift-cnv"
}

// Plan detects installed components and builds the plan. It changes nothing.
func (r *Rotator) Plan(ctx context.Context, o RotateOptions) (*Plan, error) {
	if o.Strategy == "" {
		o.Strategy = StrategyReissue
	}
	cdiNS := o.CDINamespace
	if cdiNS == "" {
		cdiNS = o.Namespace
	}
	p := &Plan{Namespace: o.Namespace, CDINamespace: cdiNS, Strategy: o.Strategy, Interruptions: Interruptions{RunningMigrations: -1}}
	want := map[string]bool{}
	for _, c := range o.Components {
		want[c] = true
	}
	selected, err := r.selectSecrets(ctx, o.Secrets, o.Namespace, cdiNS)
	if err != nil {
		return nil, err
	}
	for c := range selected {
		want[c] = true
	}
	for _, comp := range Catalogue() {
		if len(want) > 0 && !want[comp.Name] {
			continue
		}
		ns := o.Namespace
		if comp.CDI {
			ns = cdiNS
		}
		installed, version, err := r.detect(ctx, comp, ns)
		if err != nil {
			return nil, err
		}
		if !installed {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s: not installed in %s", comp.Name, ns))
			continue
		}
		p.installed++
		cp, err := r.planComponent(ctx, comp, ns, version, o.Strategy)
		if err != nil {
			return nil, err
		}
		if len(cp.Targets) == 0 {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s: no certificate Secrets found in %s", comp.Name, ns))
			continue
		}
		if sel := selected[comp.Name]; len(sel) > 0 {
			cp.narrow(sel)
		}
		cp.announceGaps()
		p.Components = append(p.Components, *cp)
	}
	r.countInterruptions(ctx, p)
	return p, nil
}

func (r *Rotator) detect(ctx context.Context, comp Component, ns string) (bool, string, error) {
	names := append([]string{}, comp.DetectBy...)
	if comp.Operator != "" {
		names = append([]string{comp.Operator}, names...)
	}
	for _, n := range names {
		d, err := r.Client.AppsV1().Deployments(ns).Get(ctx, n, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return false, "", fmt.Errorf("detecting %s: %w", comp.Name, err)
		}
		if v := r.componentVersion(ctx, comp, ns, d); v != "" {
			return true, v, nil
		}
		return true, deploymentVersion(d), nil
	}
	if len(names) == 0 {
		// Cluster-wide owners (OLM): installed when one of its Secrets is there.
		for _, e := range comp.Certs {
			if _, err := r.Client.CoreV1().Secrets(ns).Get(ctx, e.Secret, metav1.GetOptions{}); err == nil {
				return true, "-", nil
			}
		}
	}
	return false, "", nil
}

func deploymentVersion(d *appsv1.Deployment) string {
	for _, k := range []string{"app.kubernetes.io/version", "operator.kubevirt.io/version"} {
		if v := d.Labels[k]; v != "" {
			return v
		}
	}
	if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
		img := cs[0].Image
		if i := strings.LastIndex(img, "@"); i >= 0 {
			return img[i+1:]
		}
		if i := strings.LastIndex(img, ":"); i >= 0 && !strings.Contains(img[i:], "/") {
			return img[i+1:]
		}
	}
	return "unknown"
}

func (r *Rotator) planComponent(ctx context.Context, comp Component, ns, version, strategy string) (*ComponentPlan, error) {
	cp := &ComponentPlan{Name: comp.Name, Owner: comp.Owner, Namespace: ns, Version: version, Strategy: StrategyReissue, comp: comp, Untouched: comp.Never}
	if comp.Name == CompCDI && strategy == StrategyRecreate {
		cp.Strategy = StrategyRecreate
	}
	// A rotation that crashed while an operator was scaled down left its replicas recorded.
	if comp.Operator != "" {
		d, err := r.Client.AppsV1().Deployments(ns).Get(ctx, comp.Operator, metav1.GetOptions{})
		if err == nil {
			if n, ok := recordedReplicas(d); ok {
				cp.Steps = append(cp.Steps, Step{Action: ActRestoreReplicas, Kind: "Deployment", Namespace: ns, Name: comp.Operator, Replicas: n})
			} else if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
				cp.Warnings = append(cp.Warnings, fmt.Sprintf("deployment/%s has 0 replicas: nothing is re-issued until it runs again", comp.Operator))
			}
		}
	}
	for _, e := range comp.Certs {
		s, err := r.Client.CoreV1().Secrets(ns).Get(ctx, e.Secret, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			if !e.Optional {
				cp.Targets = append(cp.Targets, Target{Secret: e.Secret, Key: e.CertKey, Role: e.Role, Missing: true, TrustedBy: e.TrustedBy})
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading secret %s/%s: %w", ns, e.Secret, err)
		}
		t := Target{Secret: e.Secret, Key: e.CertKey, Role: e.Role, TrustedBy: e.TrustedBy}
		if certs, err := ParsePEMBundle(s.Data[e.CertKey]); err == nil {
			t.Serial, t.NotAfter, t.fingerprint = serialHex(certs[0]), certs[0].NotAfter.UTC(), fingerprint(certs[0])
		}
		cp.Targets = append(cp.Targets, t)
	}
	if len(cp.Targets) == 0 {
		return cp, nil
	}
	if cp.Strategy == StrategyRecreate {
		d, err := r.Client.AppsV1().Deployments(ns).Get(ctx, comp.Operator, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading deployment %s/%s: %w", ns, comp.Operator, err)
		}
		replicas := desiredReplicas(d)
		if n, ok := recordedReplicas(d); ok {
			replicas = n
		}
		cp.Steps = append(cp.Steps, Step{Action: ActScaleDown, Kind: "Deployment", Namespace: ns, Name: comp.Operator, Replicas: replicas})
		for _, t := range cp.Targets {
			if !t.Missing {
				cp.Steps = append(cp.Steps, Step{Action: ActDeleteSecret, Kind: "Secret", Namespace: ns, Name: t.Secret})
			}
		}
		for _, b := range comp.Bundles {
			if b.Kind == KindValidating || b.Kind == KindMutating {
				if name, ok := r.webhookName(ctx, b, ns); ok {
					cp.Steps = append(cp.Steps, Step{Action: ActDeleteWebhook, Kind: b.Kind, Name: name})
				}
			}
		}
		// rotate-certs.sh deletes the uploadproxy Route so that cdi-operator re-creates it with
		// the new destination CA; only where the cluster serves Routes.
		for _, b := range comp.Bundles {
			if b.Kind == KindRoute && r.Dynamic != nil {
				if _, err := r.Dynamic.Resource(gvrRoute).Namespace(ns).Get(ctx, b.Name, metav1.GetOptions{}); err == nil {
					cp.Steps = append(cp.Steps, Step{Action: ActDeleteRoute, Kind: KindRoute, Namespace: ns, Name: b.Name})
				}
			}
		}
		for _, w := range comp.Workloads {
			if r.workloadExists(ctx, w, ns) {
				cp.Steps = append(cp.Steps, Step{Action: ActRestart, Kind: w.Kind, Namespace: ns, Name: w.Name, AfterReissue: true})
			}
		}
		return cp, nil
	}
	cp.Fallback = string(comp.Fallback)
	for _, t := range cp.Targets {
		if t.Missing {
			continue
		}
		switch comp.Mechanism {
		case MechDurationAnnotation:
			cp.Steps = append(cp.Steps, Step{Action: ActAnnotateDuration, Kind: "Secret", Namespace: ns, Name: t.Secret})
		case MechNotAfterAnnotation:
			cp.Steps = append(cp.Steps, Step{Action: ActExpireNotAfter, Kind: "Secret", Namespace: ns, Name: t.Secret, AfterSigners: len(signersOf(cp.Targets, t)) > 0})
		case MechDeleteSecret:
			cp.Steps = append(cp.Steps, Step{Action: ActDeleteSecret, Kind: "Secret", Namespace: ns, Name: t.Secret})
		}
	}
	if comp.Mechanism == MechDeleteCASecret {
		// Whichever of its certificates is asked for, the owner re-issues them all from a new CA.
		for _, e := range comp.Certs {
			if e.Role == RoleCA {
				cp.Steps = append(cp.Steps, Step{Action: ActDeleteSecret, Kind: "Secret", Namespace: ns, Name: e.Secret})
			}
		}
	}
	for _, w := range comp.Workloads {
		if w.reloadsAt(version) || !r.workloadExists(ctx, w, ns) {
			continue
		}
		// Pods that do not reload restart once their new certificate exists.
		cp.Steps = append(cp.Steps, Step{Action: ActRestart, Kind: w.Kind, Namespace: ns, Name: w.Name, AfterReissue: true})
	}
	return cp, nil
}

func recordedReplicas(d *appsv1.Deployment) (int32, bool) {
	v, ok := d.Annotations[ReplicasAnnotation]
	if !ok {
		return 0, false
	}
	var n int32
	if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func (r *Rotator) workloadExists(ctx context.Context, w Workload, ns string) bool {
	var err error
	if w.Kind == "DaemonSet" {
		_, err = r.Client.AppsV1().DaemonSets(ns).Get(ctx, w.Name, metav1.GetOptions{})
	} else {
		_, err = r.Client.AppsV1().Deployments(ns).Get(ctx, w.Name, metav1.GetOptions{})
	}
	return err == nil
}

// countInterruptions counts what the rotation may disturb: running live migrations and CDI's
// import, upload and clone pods (cluster-wide; a rotation never deletes them).
func (r *Rotator) countInterruptions(ctx context.Context, p *Plan) {
	for _, c := range p.Components {
		if c.Name == CompKubeVirt {
			p.Interruptions.ConsolesClose = true
		}
	}
	if r.Dynamic != nil {
		if l, err := r.Dynamic.Resource(gvrMigrations).List(ctx, metav1.ListOptions{}); err == nil {
			n := 0
			for _, m := range l.Items {
				phase, _, _ := unstructured.NestedString(m.Object, "status", "phase")
				if phase != "Succeeded" && phase != "Failed" {
					n++
				}
			}
			p.Interruptions.RunningMigrations = n
		} else if apierrors.IsNotFound(err) {
			p.Interruptions.RunningMigrations = 0
		}
	}
	pods, err := r.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "cdi.kubevirt.io in (importer,cdi-upload-server,cdi-clone-source)"})
	if err == nil {
		for _, pod := range pods.Items {
			if pod.Status.Phase == "Running" || pod.Status.Phase == "Pending" {
				p.Interruptions.CDIWorkerPods++
			}
		}
	}
}

// restartGap is the one interruption the default strategy cannot avoid: a component that does
// not reload its certificate is restarted, and a client that reaches an old pod just as it
// stops is refused, however the rollout is paced. Measured in the test world (make bench): one
// refused handshake in some rotations, none in others, each client retrying every 250ms.
func restartGap(s Step) string {
	if s.Action != ActRestart || !s.AfterReissue {
		return ""
	}
	return fmt.Sprintf("a client connecting to %s/%s just as one of its old pods stops may be refused once (under a second)",
		strings.ToLower(s.Kind), s.Name)
}

// deletedWebhooksGap is what deleting webhook configurations leaves open: the API server calls
// a webhook only while its configuration exists, so until the owner re-creates them nothing
// checks or mutates what they would have.
func deletedWebhooksGap(cp *ComponentPlan) string {
	n := 0
	for _, st := range cp.Steps {
		if st.Action == ActDeleteWebhook {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	owner := cp.comp.shortOwner()
	if owner == "" {
		owner = "its owner"
	}
	return fmt.Sprintf("until %s re-creates the %d deleted webhook configuration(s), the API server does not call those webhooks (seconds)", owner, n)
}

// announceGaps lists the gaps of the component's steps, once they are final.
func (cp *ComponentPlan) announceGaps() {
	cp.Gaps = nil
	if gap := deletedWebhooksGap(cp); gap != "" {
		cp.Gaps = append(cp.Gaps, gap)
	}
	for _, st := range cp.Steps {
		if gap := restartGap(st); gap != "" {
			cp.Gaps = append(cp.Gaps, gap)
		}
	}
}

func prefixAll(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// ShortSerial cuts a serial to its first 12 hex digits, enough to tell two apart by eye. The
// reason of a stale served certificate and the plan and result texts of pkg/printers show
// serials this way.
func ShortSerial(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// signersOf are the CA targets of a rotation that will sign t: those whose bundle is one that
// trusts t (a library-go signer and its "<signer>-bundle", which its targets are trusted by).
func signersOf(targets []Target, t Target) []Target {
	if t.Role == RoleCA {
		return nil
	}
	var out []Target
	for _, c := range targets {
		if c.Role == RoleCA && sharesRef(c.TrustedBy, t.TrustedBy) {
			out = append(out, c)
		}
	}
	return out
}

func sharesRef(a, b []Ref) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
