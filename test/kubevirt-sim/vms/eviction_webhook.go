package vms

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// The eviction webhook plays virt-api's "virt-launcher-eviction-interceptor.kubevirt.io":
// a validating webhook on pods/eviction that the API server consults before it evicts a
// pod. Its decisions are decideEviction's; this file is the HTTPS and registration part.

const (
	evictionWebhookName = "virt-launcher-eviction-interceptor.kubevirt.io"
	evictionWebhookPath = "/pod-eviction-validate" // virt-api's path for it
)

type evictionWebhook struct {
	s        *simulator
	cert     tls.Certificate
	caBundle []byte
}

func newEvictionWebhook(s *simulator) (*evictionWebhook, error) {
	certPEM, keyPEM, err := selfSignedLoopbackCert()
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &evictionWebhook{s: s, cert: cert, caBundle: certPEM}, nil
}

// selfSignedLoopbackCert makes an in-memory certificate for 127.0.0.1 that is its own CA,
// so the same PEM serves as the server certificate and as the webhook's caBundle.
func selfSignedLoopbackCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "kubevirt-sim virt-api"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// serve answers admission reviews until ctx is done.
func (w *evictionWebhook) serve(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.HandleFunc(evictionWebhookPath, w.handle)
	srv := &http.Server{
		Addr:              fmt.Sprintf("127.0.0.1:%d", w.s.opts.WebhookPort),
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{w.cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServeTLS("", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("eviction webhook: %w", err)
	}
	return nil
}

// register creates or updates the ValidatingWebhookConfiguration pointing at this server
// with this run's certificate. Like KubeVirt's since v1.5.0 it fails closed (Fail) and only
// sees evictions of pods named virt-launcher* (kubevirt v1.6.0
// pkg/virt-operator/resource/generate/components/webhooks.go, "only-vms"): with virt-api down,
// evicting a launcher pod fails with "failed calling webhook", and other pods are unaffected.
func (w *evictionWebhook) register(ctx context.Context) error {
	fail := admissionregistrationv1.Fail
	sideEffects := admissionregistrationv1.SideEffectClassNoneOnDryRun
	timeout := int32(10)
	url := fmt.Sprintf("https://127.0.0.1:%d%s", w.s.opts.WebhookPort, evictionWebhookPath)
	desired := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{
			Name:   w.s.opts.WebhookConfigName,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "kubevirt-sim"},
		},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    evictionWebhookName,
			AdmissionReviewVersions: []string{"v1"},
			FailurePolicy:           &fail,
			MatchConditions: []admissionregistrationv1.MatchCondition{{
				Name: "only-vms", Expression: `object.metadata.name.startsWith("virt-launcher")`,
			}},
			SideEffects:    &sideEffects,
			TimeoutSeconds: &timeout,
			ClientConfig:   admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: w.caBundle},
			// No objectSelector: the admitted object is the Eviction, which carries no
			// labels, so a selector on launcher labels would never match. The handler looks
			// the pod up and lets every non-launcher pod go, as virt-api does.
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{""},
					APIVersions: []string{"v1"},
					Resources:   []string{"pods/eviction"},
				},
			}},
		}},
	}
	client := w.s.kube.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	current, err := client.Get(ctx, desired.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = client.Create(ctx, desired, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	current.Labels = desired.Labels
	current.Webhooks = desired.Webhooks
	_, err = client.Update(ctx, current, metav1.UpdateOptions{})
	return err
}

func (w *evictionWebhook) handle(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	review := &admissionv1.AdmissionReview{}
	if err := json.Unmarshal(body, review); err != nil || review.Request == nil {
		http.Error(rw, "expected an admission.k8s.io/v1 AdmissionReview", http.StatusBadRequest)
		return
	}
	resp := w.admit(r.Context(), review.Request)
	resp.UID = review.Request.UID
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(out)
}

// admit follows virt-api's admitter: read the pod and its VMI fresh from the API server
// (the caller may have just changed them), decide, and mark the VMI when asked to.
func (w *evictionWebhook) admit(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	allowed := &admissionv1.AdmissionResponse{Allowed: true}
	pod, err := w.s.kube.CoreV1().Pods(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if err != nil {
		return allowed
	}
	if pod.Labels[virtv1.AppLabel] != "virt-launcher" {
		return allowed
	}
	vmiName, ok := pod.Annotations[virtv1.DomainAnnotation]
	if !ok {
		return allowed
	}
	vmi, err := w.s.virt.KubevirtV1().VirtualMachineInstances(req.Namespace).Get(ctx, vmiName, metav1.GetOptions{})
	if err != nil {
		return denied(fmt.Sprintf("kubevirt failed getting the vmi: %s", err.Error()))
	}
	v := decideEviction(pod, vmi, w.s.config().EvictionStrategy)
	if v.Mark {
		dryRun := req.DryRun != nil && *req.DryRun
		if err := w.markForEvacuation(ctx, vmi, pod, dryRun); err != nil {
			return denied(fmt.Sprintf("kubevirt failed marking the vmi for eviction: %s", err.Error()))
		}
		klog.Infof("eviction webhook: %s/%s marked for evacuation from %s (pod %s)", vmi.Namespace, vmi.Name, pod.Spec.NodeName, pod.Name)
	}
	if v.Allow {
		klog.Infof("eviction webhook: allowing eviction of %s/%s", pod.Namespace, pod.Name)
		return allowed
	}
	return denied(v.Message)
}

// markForEvacuation sets status.evacuationNodeName with the same JSON patch virt-api sends.
func (w *evictionWebhook) markForEvacuation(ctx context.Context, vmi *virtv1.VirtualMachineInstance, pod *corev1.Pod, dryRun bool) error {
	patch, err := json.Marshal([]map[string]string{{"op": "add", "path": "/status/evacuationNodeName", "value": pod.Spec.NodeName}})
	if err != nil {
		return err
	}
	opts := metav1.PatchOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err = w.s.virt.KubevirtV1().VirtualMachineInstances(vmi.Namespace).Patch(ctx, vmi.Name, types.JSONPatchType, patch, opts)
	return err
}

// denied answers 429 Too Many Requests: eviction callers such as kubectl drain and the
// Node Maintenance Operator take it as "retry later".
func denied(message string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{
		Allowed: false,
		Result:  &metav1.Status{Message: message, Code: http.StatusTooManyRequests},
	}
}
