package certs

import (
	"context"
	cryptotls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// Statuses of what a pod serves (certs check --served). A Secret can hold a good certificate
// while the pod behind the Service still presents the old one (it never reloaded), or presents
// one its clients' bundle no longer trusts; only a handshake shows either.
const (
	StatusServingStale     Status = "SERVING-STALE"
	StatusServingUntrusted Status = "SERVING-UNTRUSTED"
)

// KindPod is the kind of a row for what a pod serves; Key holds the port.
const KindPod = "Pod"

// PodDialer opens a byte stream to a pod's port. The product's dialer goes through the API
// server's pods/portforward, so the handshake is ours end to end and needs no route to the
// pod network.
type PodDialer interface {
	DialPod(ctx context.Context, namespace, pod string, port int32) (net.Conn, error)
}

// ServedOptions turn on the served check of a scan.
type ServedOptions struct {
	Dialer PodDialer
	// Timeout bounds each endpoint's dial and handshake; endpoints are checked concurrently.
	Timeout time.Duration
}

// servedTarget is one serving certificate whose endpoint is checked.
type servedTarget struct {
	comp   *Component
	entry  CertEntry
	ns     string
	secret *Certificate
}

// servedResult is the outcome of one endpoint, kept apart from the report until every
// goroutine is done.
type servedResult struct {
	row     *Certificate
	warning string
}

// checkServed adds, for each catalogue serving certificate with a Service in the scanned
// namespaces, a row for what one ready pod of that Service actually presents, classified
// against the same bundles as its Secret. Without the pods/portforward permission it says so
// once and the report stays the Secret-only one.
func (s *Scanner) checkServed(ctx context.Context, cat []Component, rep *Report, bundles bundleIndex) {
	targets := servedTargets(cat, rep)
	if len(targets) == 0 {
		return
	}
	var allowed []servedTarget
	denied := map[string]bool{}
	for _, t := range targets {
		ok, known := denied[t.ns]
		if !known {
			ok = !MayPortForward(ctx, s.Client, t.ns)
			denied[t.ns] = ok
			if ok {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("--served: you may not create pods/portforward in namespace %s, so what its pods serve was not checked; the Secrets were", t.ns))
			}
		}
		if !ok {
			allowed = append(allowed, t)
		}
	}
	s.progress("checking what %d endpoint(s) serve", len(allowed))
	results := make([]servedResult, len(allowed))
	var wg sync.WaitGroup
	for i, t := range allowed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.checkEndpoint(ctx, t, bundles)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.warning != "" {
			rep.Warnings = append(rep.Warnings, r.warning)
		}
		if r.row != nil {
			rep.Certificates = append(rep.Certificates, *r.row)
		}
	}
}

// servedTargets pairs each catalogue serving entry that names a Service with its Secret's row.
func servedTargets(cat []Component, rep *Report) []servedTarget {
	var out []servedTarget
	for i := range rep.Certificates {
		c := &rep.Certificates[i]
		if c.Kind != KindSecret || c.Role != RoleServing || c.cert == nil {
			continue
		}
		comp, entry := lookupSecret(cat, c.Name)
		if entry == nil || entry.Service == "" || entry.CertKey != c.Key {
			continue
		}
		out = append(out, servedTarget{comp: comp, entry: *entry, ns: c.Namespace, secret: c})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ns+"/"+out[i].entry.Service < out[j].ns+"/"+out[j].entry.Service })
	return out
}

// MayPortForward asks the API server whether the user may open pods/portforward in ns. An
// error asking counts as no: the check then falls back rather than failing.
func MayPortForward(ctx context.Context, client kubernetes.Interface, ns string) bool {
	review := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authv1.ResourceAttributes{Namespace: ns, Verb: "create", Resource: "pods", Subresource: "portforward"},
	}}
	res, err := client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	return err == nil && res.Status.Allowed
}

func (s *Scanner) checkEndpoint(ctx context.Context, t servedTarget, bundles bundleIndex) servedResult {
	ep, err := probe(ctx, s.Client, *s.Served, t.ns, t.entry)
	if err != nil {
		return servedResult{warning: err.Error()}
	}
	row := newCert(t.comp.Name, KindPod, t.ns, ep.pod.Name, strconv.Itoa(int(ep.port)), 0, ep.chain[0], RoleServing)
	row.intermediates = ep.chain[1:]
	row.trustedBy = t.entry.TrustedBy
	row.owner = ownerInfo{component: true, controller: workloadOf(ep.pod)}
	judgeServed(&row, t.secret, ep.sni, bundles, s.now(), s.WarnWithin)
	return servedResult{row: &row}
}

// endpoint is what one pod behind a serving certificate's Service presented.
type endpoint struct {
	pod   *corev1.Pod
	port  int32
	sni   string
	chain []*x509.Certificate
}

// probe finds the pod behind entry's Service in ns and handshakes with it. Its errors are
// sentences about that endpoint, fit to show as a warning.
func probe(ctx context.Context, client kubernetes.Interface, o ServedOptions, ns string, entry CertEntry) (*endpoint, error) {
	where := fmt.Sprintf("service %s/%s (secret/%s)", ns, entry.Service, entry.Secret)
	svc, err := client.CoreV1().Services(ns).Get(ctx, entry.Service, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%s: the Service does not exist, so what is served was not checked", where)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading the Service: %w", where, err)
	}
	pod, err := servingPod(ctx, client, svc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	port, err := targetPort(svc, pod)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	sni := entry.Service + "." + ns + ".svc"
	chain, err := handshake(ctx, o, ns, pod.Name, port, sni)
	if err != nil {
		return nil, fmt.Errorf("pod/%s port %d (%s): no TLS handshake, so what it serves was not checked: %w", pod.Name, port, where, err)
	}
	return &endpoint{pod: pod, port: port, sni: sni, chain: chain}, nil
}

// servingPod picks the oldest ready pod the Service selects: the one most likely to still hold
// a certificate read at its start.
func servingPod(ctx context.Context, client kubernetes.Interface, svc *corev1.Service) (*corev1.Pod, error) {
	if len(svc.Spec.Selector) == 0 {
		return nil, errors.New("the Service has no selector, so no pod to check")
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector).String()
	pods, err := client.CoreV1().Pods(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("listing its pods (%s): %w", sel, err)
	}
	var ready []*corev1.Pod
	for i := range pods.Items {
		if p := &pods.Items[i]; podReady(p) {
			ready = append(ready, p)
		}
	}
	if len(ready) == 0 {
		return nil, fmt.Errorf("no ready pod matches %s, so nothing is served to check", sel)
	}
	sort.SliceStable(ready, func(i, j int) bool {
		a, b := ready[i].CreationTimestamp, ready[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return ready[i].Name < ready[j].Name
	})
	return ready[0], nil
}

func podReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// targetPort resolves the Service's first port to the pod's port, a named target port through
// the pod's containers, as the endpoints controller does.
func targetPort(svc *corev1.Service, pod *corev1.Pod) (int32, error) {
	if len(svc.Spec.Ports) == 0 {
		return 0, errors.New("the Service has no port")
	}
	sp := svc.Spec.Ports[0]
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return tp.IntVal, nil
	case tp.Type == intstr.String && tp.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("pod/%s has no container port named %q (the Service's target port)", pod.Name, tp.StrVal)
	}
	return sp.Port, nil
}

// handshake dials the pod and returns the chain it presents. Nothing is verified here: a
// failed verification must still show what was served, so it is judged afterwards against the
// bundles clients actually use.
func handshake(ctx context.Context, o ServedOptions, ns, pod string, port int32, sni string) ([]*x509.Certificate, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := o.Dialer.DialPod(ctx, ns, pod, port)
	if err != nil {
		return nil, err
	}
	defer func() { _ = raw.Close() }()
	var chain []*x509.Certificate
	conn := cryptotls.Client(raw, &cryptotls.Config{
		ServerName: sni,
		//nolint:gosec // verified below against the clients' own bundles, not the system roots
		InsecureSkipVerify: true,
		// A server that asks for a client certificate (mutual TLS) still presents its own
		// first; record it before the handshake can fail for want of ours.
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			for _, der := range rawCerts {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return fmt.Errorf("the served certificate does not parse: %w", err)
				}
				chain = append(chain, c)
			}
			return nil
		},
	})
	err = conn.HandshakeContext(ctx)
	if len(chain) > 0 {
		return chain, nil
	}
	if err == nil {
		err = errors.New("the server presented no certificate")
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s: %w", timeout, err)
	}
	return nil, err
}

// judgeServed sets the served row's status: dates first, as for any certificate, then whether
// it is what the Secret holds, then whether clients trust it for the name they dial.
func judgeServed(row, secret *Certificate, sni string, bundles bundleIndex, now time.Time, warnWithin time.Duration) {
	classify(row, bundles, now, warnWithin)
	var why []string
	stale := row.Identity() != secret.Identity()
	if stale {
		why = append(why, fmt.Sprintf("serves serial %s but secret/%s holds %s: it did not reload", ShortSerial(row.Serial), secret.Name, ShortSerial(secret.Serial)))
	}
	untrustedWhy := ""
	if row.Status == StatusUntrusted {
		untrustedWhy = row.Reason
	}
	if err := row.cert.VerifyHostname(sni); err != nil {
		untrustedWhy = strings.TrimPrefix(strings.Join([]string{untrustedWhy, "not valid for " + sni}, "; "), "; ")
	}
	if untrustedWhy != "" {
		why = append(why, untrustedWhy)
	}
	switch {
	case row.Status == StatusExpired || row.Status == StatusNotYetValid:
		if stale {
			row.Reason = strings.Join(why, "; ")
		}
	case stale:
		row.Status, row.Reason = StatusServingStale, strings.Join(why, "; ")
	case untrustedWhy != "":
		row.Status, row.Reason = StatusServingUntrusted, untrustedWhy
	}
}

// workloadOf names the Deployment or DaemonSet a pod belongs to, as kind/name, from its
// controller: a ReplicaSet's name is its Deployment's plus the pod-template hash.
func workloadOf(p *corev1.Pod) string {
	for _, r := range p.OwnerReferences {
		if r.Controller == nil || !*r.Controller {
			continue
		}
		switch r.Kind {
		case "ReplicaSet":
			if h := p.Labels["pod-template-hash"]; h != "" && strings.HasSuffix(r.Name, "-"+h) {
				return "deployment/" + strings.TrimSuffix(r.Name, "-"+h)
			}
			return "replicaset/" + r.Name
		default:
			return strings.ToLower(r.Kind) + "/" + r.Name
		}
	}
	return ""
}
