// Command virt-api-harness plays, for KubeVirt's real virt-api process on the local test
// cluster, the parts of a cluster that a local process does not get by itself:
//
//   - the kubelet's Secret volumes: kubevirt-virt-api-certs (its serving certificate, with
//     127.0.0.1 added, see loopbackServing) and kubevirt-virt-handler-certs (its client
//     certificate towards virt-handler) are written to the directories virt-api is told to read,
//     in the kubelet's layout, and rewritten when the Secrets change; virt-api reloads them
//     itself (pkg/certificates/bootstrap FileCertificateManager watches the directory);
//   - virt-operator's registration of virt-api's admission webhooks: the configurations come
//     from virt-operator's own generators (components.NewVirtAPIValidatingWebhookConfiguration and
//     NewVirtAPIMutatingWebhookConfiguration), kept to the webhooks named by --webhooks, with the
//     Service reference replaced by https://127.0.0.1:PORT/<upstream path> and the kubevirt-ca
//     bundle as caBundle, kept up to date as virt-operator does when the bundle changes;
//   - virt-operator's CRDs that virt-api's informers wait for and the simulator does not serve.
//
// It never registers a Service reference or the subresources APIService: the API server would
// dial a cluster IP, and no traffic of the test world may leave the loopback.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	apiext "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	"kubevirt.io/kubevirt/pkg/certificates/bootstrap"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	ns := flag.String("namespace", "openshift-cnv", "namespace KubeVirt is installed in (where virt-api runs)")
	port := flag.Int("port", 9444, "port virt-api listens on, on 127.0.0.1")
	servingDir := flag.String("serving-dir", "", "directory virt-api reads tls.crt and tls.key from (--tls-cert-file, --tls-key-file)")
	handlerDir := flag.String("handler-dir", "", "directory virt-api reads its virt-handler client certificate from (--handler-cert-file, --handler-key-file)")
	hooks := flag.String("webhooks", strings.Join(defaultWebhooks, ","), "comma-separated names of virt-api's webhooks to register")
	interval := flag.Duration("interval", 10*time.Second, "resync period; changes of the Secrets, the CA bundle and the webhook configurations are acted on at once")
	flag.Parse()
	log.SetPrefix("virt-api-harness: ")
	if *servingDir == "" || *handlerDir == "" {
		log.Fatal("--serving-dir and --handler-dir are required")
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatal(err)
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	x, err := apiext.NewForConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	h := &harness{
		c: c, ns: *ns, base: fmt.Sprintf("https://127.0.0.1:%d", *port),
		servingDir: *servingDir, handlerDir: *handlerDir, webhooks: split(*hooks),
	}
	// A wrong --webhooks is a start-up error, not a log line every resync.
	if _, _, err := urlConfigs(h.ns, h.base, nil, h.webhooks); err != nil {
		log.Fatal(err)
	}
	for {
		if err = ensureCRDs(ctx, x); err == nil || ctx.Err() != nil {
			break
		}
		log.Printf("creating virt-api's prerequisite CRDs: %v", err)
		sleep(ctx, time.Second)
	}
	h.run(ctx, *interval)
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

type harness struct {
	c                      kubernetes.Interface
	ns, base               string
	servingDir, handlerDir string
	webhooks               []string

	// cas holds the kubevirt-ca certificates (with keys) seen so far, newest first, so that a
	// serving certificate is re-signed by the CA that signed it also during a CA rotation.
	cas []*tls.Certificate
	// servedFrom is a digest of the Secret the files in servingDir were made from.
	servedFrom [32]byte
}

// run acts on every change of what it keeps, as virt-operator's and the kubelet's watches
// would make them, and on each tick.
func (h *harness) run(ctx context.Context, interval time.Duration) {
	kick := make(chan struct{}, 1)
	poke := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { nudge(kick) },
		UpdateFunc: func(_, _ any) { nudge(kick) },
		DeleteFunc: func(any) { nudge(kick) },
	}
	inNS := informers.NewSharedInformerFactoryWithOptions(h.c, 10*time.Minute, informers.WithNamespace(h.ns))
	_, _ = inNS.Core().V1().Secrets().Informer().AddEventHandler(poke)
	_, _ = inNS.Core().V1().ConfigMaps().Informer().AddEventHandler(poke)
	all := informers.NewSharedInformerFactory(h.c, 10*time.Minute)
	_, _ = all.Admissionregistration().V1().ValidatingWebhookConfigurations().Informer().AddEventHandler(poke)
	_, _ = all.Admissionregistration().V1().MutatingWebhookConfigurations().Informer().AddEventHandler(poke)
	inNS.Start(ctx.Done())
	all.Start(ctx.Done())

	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		if err := h.reconcile(rctx); err != nil && ctx.Err() == nil && !apierrors.IsConflict(err) {
			log.Print(err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

func nudge(kick chan<- struct{}) {
	select {
	case kick <- struct{}{}:
	default:
	}
}

func (h *harness) reconcile(ctx context.Context) error {
	secrets := h.c.CoreV1().Secrets(h.ns)
	if s, err := secrets.Get(ctx, components.KubeVirtCASecretName, metav1.GetOptions{}); err == nil {
		if ca, err := components.LoadCertificates(s); err == nil {
			h.remember(ca)
		}
	} else if !apierrors.IsNotFound(err) {
		return err
	}

	if err := h.mountServing(ctx); err != nil {
		return err
	}
	// The client certificate is mounted as it is, as the kubelet would.
	if s, err := secrets.Get(ctx, components.VirtHandlerCertSecretName, metav1.GetOptions{}); err == nil {
		if changed, err := writeVolume(h.handlerDir, s.Data); err != nil {
			return err
		} else if changed {
			log.Printf("mounted %s/%s in %s", h.ns, s.Name, h.handlerDir)
		}
	} else if !apierrors.IsNotFound(err) {
		return err
	}

	cm, err := h.c.CoreV1().ConfigMaps(h.ns).Get(ctx, components.KubeVirtCASecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // no bundle yet: nothing to register with
	}
	if err != nil {
		return err
	}
	bundle := []byte(cm.Data[components.CABundleKey])
	if len(bundle) == 0 {
		return nil
	}
	v, m, err := urlConfigs(h.ns, h.base, bundle, h.webhooks)
	if err != nil {
		return err
	}
	if v != nil {
		if err := registerValidating(ctx, h.c, v); err != nil {
			return fmt.Errorf("registering %s: %w", v.Name, err)
		}
	}
	if m != nil {
		if err := registerMutating(ctx, h.c, m); err != nil {
			return fmt.Errorf("registering %s: %w", m.Name, err)
		}
	}
	return nil
}

// mountServing writes virt-api's serving certificate when the Secret changed since the last
// write (a re-signed certificate differs at every signing, so an unchanged Secret is not
// signed again).
func (h *harness) mountServing(ctx context.Context) error {
	s, err := h.c.CoreV1().Secrets(h.ns).Get(ctx, components.VirtApiCertSecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // the kubelet would wait for it too (the volume is optional upstream)
	}
	if err != nil {
		return err
	}
	from := sha256.Sum256(bytes.Join([][]byte{s.Data[bootstrap.CertBytesValue], s.Data[bootstrap.KeyBytesValue]}, []byte{0}))
	if from == h.servedFrom {
		return nil
	}
	certPEM, keyPEM, err := loopbackServing(s, h.cas)
	if err != nil {
		return err
	}
	if _, err := writeVolume(h.servingDir, map[string][]byte{bootstrap.CertBytesValue: certPEM, bootstrap.KeyBytesValue: keyPEM}); err != nil {
		return err
	}
	h.servedFrom = from
	log.Printf("mounted %s/%s in %s, with 127.0.0.1 added", h.ns, s.Name, h.servingDir)
	return nil
}

// remember adds ca to the CAs seen, newest first, and forgets expired ones.
func (h *harness) remember(ca *tls.Certificate) {
	keep := []*tls.Certificate{ca}
	for _, c := range h.cas {
		if !bytes.Equal(c.Leaf.Raw, ca.Leaf.Raw) && time.Now().Before(c.Leaf.NotAfter) {
			keep = append(keep, c)
		}
	}
	h.cas = keep
}
