//go:build bench

package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// tlsClient is one component's client as it behaves in a real cluster: it connects to a ready
// pod behind the Service, verifies what is presented for the Service's DNS name, and reads its
// trust where that client does before every connection, so a bundle that changes under it is
// seen at once, as the API server sees a webhook's new caBundle.
type tlsClient struct {
	component string
	service   string
	// trust returns the PEM bundle the real client verifies the service with.
	trust func(ctx context.Context, e *benchEnv, ns string) ([]byte, error)
}

// The clients of an estate's endpoints and where each reads its trust: the API server reads a
// webhook's caBundle; the router a Route's destinationCACertificate, which the owners fill from
// the CA ConfigMaps read here. Webhook configurations of an estate carry its namespace as a
// suffix (docs/simulator.md).
var estateClients = []tlsClient{
	{"kubevirt", "virt-api", webhookTrust("validating", "virt-api-validator")},
	{"kubevirt", "kubevirt-operator-webhook", webhookTrust("validating", "virt-operator-validator")},
	{"kubevirt", "virt-exportproxy", configMapTrust("kubevirt-ca", "ca-bundle")},
	{"cdi", "cdi-api", webhookTrust("validating", "cdi-api-validate")},
	{"cdi", "cdi-uploadproxy", configMapTrust("cdi-uploadproxy-signer-bundle", "ca-bundle.crt")},
	{"kubemacpool", "kubemacpool-service", webhookTrust("mutating", "kubemacpool-mutator")},
	{"ssp", "virt-template-validator", webhookTrust("validating", "virt-template-validator")},
}

func webhookTrust(kind, name string) func(context.Context, *benchEnv, string) ([]byte, error) {
	return func(ctx context.Context, e *benchEnv, ns string) ([]byte, error) {
		adm := e.kube.AdmissionregistrationV1()
		if kind == "mutating" {
			w, err := adm.MutatingWebhookConfigurations().Get(ctx, name+"-"+ns, metav1.GetOptions{})
			if err != nil || len(w.Webhooks) == 0 {
				return nil, errors.Join(err, errors.New("no webhook"))
			}
			return w.Webhooks[0].ClientConfig.CABundle, nil
		}
		w, err := adm.ValidatingWebhookConfigurations().Get(ctx, name+"-"+ns, metav1.GetOptions{})
		if err != nil || len(w.Webhooks) == 0 {
			return nil, errors.Join(err, errors.New("no webhook"))
		}
		return w.Webhooks[0].ClientConfig.CABundle, nil
	}
}

func configMapTrust(name, key string) func(context.Context, *benchEnv, string) ([]byte, error) {
	return func(ctx context.Context, e *benchEnv, ns string) ([]byte, error) {
		cm, err := e.kube.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return []byte(cm.Data[key]), nil
	}
}

// handshakeTally counts a client's connections while it runs.
type handshakeTally struct {
	mu       sync.Mutex
	attempts map[string]int
	failed   map[string]int
	// first keeps the first failure of each component, to say what went wrong.
	first map[string]string
}

func (h *handshakeTally) record(component string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts[component]++
	if err != nil {
		h.failed[component]++
		if h.first[component] == "" {
			h.first[component] = err.Error()
		}
	}
}

// totals returns the attempts and failures over all components, and the failures per
// component, e.g. "cdi 12, kubevirt 3".
func (h *handshakeTally) totals() (attempts, failed int, per string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var parts []string
	for c, n := range h.attempts {
		attempts += n
		if f := h.failed[c]; f > 0 {
			failed += f
			parts = append(parts, fmt.Sprintf("%s %d", c, f))
		}
	}
	sort.Strings(parts)
	return attempts, failed, strings.Join(parts, ", ")
}

// keepHandshaking runs every client of the estate in ns in a loop until stop is called, and
// returns the tally. Each client connects every interval.
func keepHandshaking(t *testing.T, e *benchEnv, ns string, interval time.Duration) (stop func() *handshakeTally) {
	t.Helper()
	h := &handshakeTally{attempts: map[string]int{}, failed: map[string]int{}, first: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, c := range estateClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				actx, acancel := context.WithTimeout(ctx, 10*time.Second)
				err := c.connect(actx, e, ns)
				acancel()
				if ctx.Err() != nil {
					return
				}
				h.record(c.component, err)
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	return func() *handshakeTally {
		cancel()
		wg.Wait()
		return h
	}
}

// connect makes one connection as the real client would and says why it failed.
func (c tlsClient) connect(ctx context.Context, e *benchEnv, ns string) error {
	bundle, err := c.trust(ctx, e, ns)
	if err != nil {
		return fmt.Errorf("%s: reading its trust: %w", c.service, err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(bundle) {
		return fmt.Errorf("%s: the trusted bundle holds no certificate", c.service)
	}
	svc, err := e.kube.CoreV1().Services(ns).Get(ctx, c.service, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", c.service, err)
	}
	pods, err := e.kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		return err
	}
	var ready []corev1.Pod
	for _, p := range pods.Items {
		if isReady(p) {
			ready = append(ready, p)
		}
	}
	if len(ready) == 0 {
		// What a client of the Service meets when it has no endpoint: connection refused.
		return fmt.Errorf("%s: no ready pod", c.service)
	}
	pod := ready[time.Now().UnixNano()%int64(len(ready))]
	port := svc.Spec.Ports[0].TargetPort
	remote := port.IntValue()
	if remote == 0 {
		for _, ctr := range pod.Spec.Containers {
			for _, p := range ctr.Ports {
				if p.Name == port.StrVal {
					remote = int(p.ContainerPort)
				}
			}
		}
	}
	conn, closeFwd, err := forward(ctx, e, ns, pod.Name, remote)
	if err != nil {
		return fmt.Errorf("%s: pod/%s: %w", c.service, pod.Name, err)
	}
	defer closeFwd()
	defer func() { _ = conn.Close() }()
	tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: c.service + "." + ns + ".svc"})
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("%s: pod/%s: %w", c.service, pod.Name, err)
	}
	return nil
}

func isReady(p corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// forward opens client-go's port forwarder, as `kubectl port-forward` does, on a free loopback
// port and connects to it.
func forward(ctx context.Context, e *benchEnv, ns, pod string, port int) (net.Conn, func(), error) {
	transport, upgrader, err := spdy.RoundTripperFor(e.cfg)
	if err != nil {
		return nil, nil, err
	}
	url := e.kube.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	stopCh, ready := make(chan struct{}), make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, stopCh, ready, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	errCh := make(chan error, 1)
	go func() { errCh <- fw.ForwardPorts() }()
	stop := func() { close(stopCh) }
	select {
	case <-ready:
	case err := <-errCh:
		return nil, nil, err
	case <-ctx.Done():
		stop()
		return nil, nil, ctx.Err()
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		stop()
		return nil, nil, errors.Join(err, errors.New("no forwarded port"))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", ports[0].Local))
	if err != nil {
		stop()
		return nil, nil, err
	}
	return conn, stop, nil
}

// benchRotateHandshakes: while oc-cnv certs rotate runs, and then while rotate-certs.sh's calls
// run on an identical estate, every endpoint's client keeps connecting, from the start until the
// estate is whole again. Each rotation gets its own estate and runs alone, so neither client
// load nor the other's pods skew the counts.
func benchRotateHandshakes(t *testing.T, e *benchEnv, rep *report) {
	const reissueNS, recreateNS, scriptNS = "bench-tls-occnv", "bench-tls-recreate", "bench-tls-script"
	for _, ns := range []string{reissueNS, recreateNS, scriptNS} {
		seedEstate(t, e, ns)
	}
	for _, ns := range []string{reissueNS, recreateNS, scriptNS} {
		waitEstateReady(t, e, ns)
		waitAllServing(t, e, ns)
	}
	const every = 250 * time.Millisecond

	// rotation counts the handshakes of every client of ns while oc-cnv rotates it with args,
	// and reads which components' gaps the plan announced.
	rotation := func(ns string, args ...string) (*handshakeTally, map[string]bool) {
		stop := keepHandshaking(t, e, ns, every)
		r := mustRun(t, e.kubeconfig, e.bin, append([]string{"certs", "rotate", "-n", ns, "--yes"}, args...)...)
		waitEstateReady(t, e, ns)
		tally := stop()
		if !strings.Contains(r.stdout, "re-issued and trusted, served") {
			t.Errorf("oc-cnv certs rotate %v did not verify what is served:\n%s", args, lastLines(r.stdout, 5))
		}
		return tally, announcedGaps(r.stdout)
	}
	ours, announced := rotation(reissueNS)
	recreated, recreateAnnounced := rotation(recreateNS, "--strategy", "recreate")

	stop := keepHandshaking(t, e, scriptNS, every)
	scriptRun(t, e, e.kubeconfig, t.TempDir(), scriptNS)
	waitEstateReady(t, e, scriptNS)
	waitAllServing(t, e, scriptNS)
	theirs := stop()
	sa, sf, sper := theirs.totals()

	describe := func(attempts, failed int, per string) string {
		if failed == 0 {
			return fmt.Sprintf("0 of %d", attempts)
		}
		return fmt.Sprintf("%d of %d (%s)", failed, attempts, per)
	}
	// A gap the plan announced before the rotation started is allowed (issue 14); any other
	// failed handshake misses the goal.
	row := func(what string, tally *handshakeTally, announced map[string]bool) {
		unannounced := 0
		for c, n := range tally.failed {
			if !announced[c] {
				unannounced += n
			}
		}
		for c, msg := range tally.first {
			t.Logf("oc-cnv %s: first failed handshake of %s: %s", what, c, msg)
		}
		gaps := make([]string, 0, len(announced))
		for c := range announced {
			gaps = append(gaps, c)
		}
		sort.Strings(gaps)
		oa, of, oper := tally.totals()
		rep.add(fmt.Sprintf("%s: failed TLS handshakes of the components' clients during the rotation (each endpoint every 250ms, trusting what its real client trusts; gaps announced by the plan: %s)", what, dash(strings.Join(gaps, ", "))),
			describe(oa, of, oper), describe(sa, sf, sper), fmt.Sprintf("%d vs %d", of, sf), "0 for oc-cnv but in an announced gap", unannounced == 0 && oa > 0)
	}
	row("certs rotate", ours, announced)
	row("certs rotate --strategy recreate", recreated, recreateAnnounced)
}

func dash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// announcedGaps reads the plan that rotate printed: the components under whose heading a
// "! gap:" line stands.
func announcedGaps(stdout string) map[string]bool {
	out := map[string]bool{}
	current := ""
	for _, l := range strings.Split(stdout, "\n") {
		if !strings.HasPrefix(l, " ") && strings.Contains(l, " in namespace ") {
			current, _, _ = strings.Cut(l, " ")
		}
		if strings.HasPrefix(l, "  ! gap:") && current != "" {
			out[current] = true
		}
	}
	return out
}

// waitAllServing waits until every client of the estate connects, so that a count starts from a
// healthy estate.
func waitAllServing(t *testing.T, e *benchEnv, ns string) {
	t.Helper()
	waitFor(t, 2*time.Minute, "every endpoint of "+ns+" to serve a trusted certificate", func() (bool, error) {
		for _, c := range estateClients {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := c.connect(ctx, e, ns)
			cancel()
			if err != nil {
				return false, err
			}
		}
		return true, nil
	})
}
