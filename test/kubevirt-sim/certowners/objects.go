package certowners

import (
	"bytes"
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func (r *reconciler) ensureNamespace(ctx context.Context, name string) error {
	_, err := r.c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// operatorRunning ensures the operator's Deployment exists and reports whether it has replicas.
// An operator scaled to 0 (what rotate-certs.sh does to cdi-operator) issues nothing.
func (r *reconciler) operatorRunning(ctx context.Context, ns, name string, labels map[string]string) (bool, error) {
	d, err := r.c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		d, err = r.c.AppsV1().Deployments(ns).Create(ctx, deployment(ns, name, labels), metav1.CreateOptions{})
	}
	if err != nil {
		return false, err
	}
	return d.Spec.Replicas == nil || *d.Spec.Replicas > 0, nil
}

// ensureWorkload creates a component's Deployment (or DaemonSet) when missing and leaves it
// alone otherwise: tests and oc-cnv scale and restart them.
func (r *reconciler) ensureWorkload(ctx context.Context, ns, name string, labels map[string]string, daemon bool) error {
	// Once created, a workload is left to its users; remembering that saves two GETs per
	// workload and tick on a machine the whole team shares.
	key := ns + "/" + name
	if r.ensured[key] {
		return nil
	}
	err := r.createWorkload(ctx, ns, name, labels, daemon)
	if err == nil {
		r.ensured[key] = true
	}
	return err
}

func (r *reconciler) createWorkload(ctx context.Context, ns, name string, labels map[string]string, daemon bool) error {
	if daemon {
		_, err := r.c.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			d := deployment(ns, name, labels)
			ds := &appsv1.DaemonSet{ObjectMeta: d.ObjectMeta, Spec: appsv1.DaemonSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template}}
			_, err = r.c.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{})
		}
		return ignoreExists(err)
	}
	_, err := r.c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = r.c.AppsV1().Deployments(ns).Create(ctx, deployment(ns, name, labels), metav1.CreateOptions{})
	}
	return ignoreExists(err)
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func deployment(ns, name string, labels map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  name,
						Image: "registry.invalid/kubevirt-sim/" + name + ":sim",
						Ports: containerPorts[name],
					}},
					// kwok's fake nodes carry this taint in some setups; tolerating it keeps the
					// pods schedulable either way.
					Tolerations: []corev1.Toleration{{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
				},
			},
		},
	}
}

// containerPorts are the ports upstream declares in a component's pod template. They matter where
// a Service's targetPort is a name (kubevirt-operator-webhook's "webhooks"), which a client
// resolves in the pod's containers, as `oc cnv certs check --served` does.
var containerPorts = map[string][]corev1.ContainerPort{
	// kubevirt/kubevirt v1.6.0 pkg/virt-operator/resource/generate/components/deployments.go:
	// NewOperatorDeployment, NewApiServerDeployment, NewExportProxyDeployment (whose container
	// is called "exportproxy", so its port is too).
	"virt-operator":    {tcpPort("metrics", 8443), tcpPort("webhooks", 8444)},
	"virt-api":         {tcpPort("virt-api", 8443), tcpPort("metrics", 8443)},
	"virt-exportproxy": {tcpPort("exportproxy", 8443), tcpPort("metrics", 8443)},
	// k8snetworkplumbingwg/kubemacpool v0.50.0 config/release/kubemacpool.yaml.
	"kubemacpool-mac-controller-manager": {tcpPort("webhook-server", 8000)},
	// kubevirt/ssp-operator v0.24.1 internal/operands/template-validator/resources.go
	// newDeployment (webhook and metrics share the server on 8443 there).
	sspValidator: {tcpPort("webhook", 8443), tcpPort("http-metrics", 8443)},
	// CDI v1.59.0 declares no ports for cdi-apiserver and cdi-uploadproxy
	// (pkg/operator/resources/namespaced/apiserver.go, uploadproxy.go).
}

func tcpPort(name string, port int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: corev1.ProtocolTCP}
}

// httpsPort is the 443 -> targetPort mapping every CNV component Service has; name is upstream's
// port name ("" where it has none).
func httpsPort(name string, target int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: 443, TargetPort: intstr.FromInt32(target), Protocol: corev1.ProtocolTCP}
}

// ensureService creates a component's Service when missing and remembers it, as ensureWorkload
// does its workloads: a Service is never changed afterwards, so it is not read again each tick.
func (r *reconciler) ensureService(ctx context.Context, ns, name string, labels, selector, annotations map[string]string, port corev1.ServicePort) (*corev1.Service, error) {
	key := ns + "/" + name
	if svc := r.services[key]; svc != nil {
		return svc, nil
	}
	svc, err := r.c.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		svc, err = r.c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, Annotations: annotations},
			Spec: corev1.ServiceSpec{
				Selector: selector,
				Ports:    []corev1.ServicePort{port},
			},
		}, metav1.CreateOptions{})
	}
	if err == nil {
		if r.services == nil {
			r.services = map[string]*corev1.Service{}
		}
		r.services[key] = svc
	}
	return svc, err
}

// putSecret creates s or, when it exists, replaces its type, data, labels and annotations.
func (r *reconciler) putSecret(ctx context.Context, old, s *corev1.Secret) error {
	if old == nil {
		_, err := r.c.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		return err
	}
	upd := old.DeepCopy()
	upd.Data = s.Data
	if upd.Labels == nil {
		upd.Labels = map[string]string{}
	}
	for k, v := range s.Labels {
		upd.Labels[k] = v
	}
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	for k, v := range s.Annotations {
		upd.Annotations[k] = v
	}
	_, err := r.c.CoreV1().Secrets(s.Namespace).Update(ctx, upd, metav1.UpdateOptions{})
	return err
}

func (r *reconciler) getSecret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	s, err := r.c.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return s, err
}

// putConfigMapKey sets one data key of a ConfigMap, creating it when missing.
func (r *reconciler) putConfigMapKey(ctx context.Context, ns, name, key string, labels map[string]string, value []byte) error {
	cm, err := r.c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = r.c.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
			Data:       map[string]string{key: string(value)},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if cm.Data[key] == string(value) {
		return nil
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[key] = string(value)
	_, err = r.c.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

func (r *reconciler) configMapKey(ctx context.Context, ns, name, key string) ([]byte, error) {
	cm, err := r.c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []byte(cm.Data[key]), nil
}

// webhookSpec describes one webhook configuration an owner keeps the caBundle of. The rules
// match an API group nobody serves, so the configuration is real to every client that reads it
// but the API server never calls the (absent) service.
type webhookSpec struct {
	name     string
	mutating bool
	service  string
	path     string
}

func simRules() []admissionv1.RuleWithOperations {
	return []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Create},
		Rule: admissionv1.Rule{
			APIGroups:   []string{"certs.kubevirt-sim.oc-cnv.io"},
			APIVersions: []string{"v1"},
			Resources:   []string{"nothing"},
		},
	}}
}

// putWebhook creates the configuration or sets the caBundle of all its webhooks.
func (r *reconciler) putWebhook(ctx context.Context, e *estate, w webhookSpec, caBundle []byte) error {
	return r.writeWebhook(ctx, e, w, caBundle, true)
}

// ensureWebhook creates the configuration with caBundle (nil: none yet) when it is missing, and
// leaves an existing one alone: for an owner that runs elsewhere and keeps the caBundle itself.
func (r *reconciler) ensureWebhook(ctx context.Context, e *estate, w webhookSpec, caBundle []byte) error {
	return r.writeWebhook(ctx, e, w, caBundle, false)
}

func (r *reconciler) writeWebhook(ctx context.Context, e *estate, w webhookSpec, caBundle []byte, setCA bool) error {
	meta := metav1.ObjectMeta{Name: w.name + e.webhookSuffix, Labels: map[string]string{estateOf: e.ns}}
	// The fields a validating and a mutating webhook share; the real owners keep one webhook
	// per configuration.
	hook := admissionv1.ValidatingWebhook{
		Name: w.name + ".kubevirt-sim.oc-cnv.io",
		ClientConfig: admissionv1.WebhookClientConfig{
			Service:  &admissionv1.ServiceReference{Namespace: e.ns, Name: w.service, Path: ptr.To(w.path), Port: ptr.To[int32](443)},
			CABundle: caBundle,
		},
		Rules:                   simRules(),
		FailurePolicy:           ptr.To(admissionv1.Ignore),
		SideEffects:             ptr.To(admissionv1.SideEffectClassNone),
		AdmissionReviewVersions: []string{"v1"},
		NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": e.ns}},
	}
	api := r.c.AdmissionregistrationV1()
	if w.mutating {
		return putWebhookConfig(ctx, api.MutatingWebhookConfigurations(), meta.Name, &admissionv1.MutatingWebhookConfiguration{
			ObjectMeta: meta,
			Webhooks: []admissionv1.MutatingWebhook{{
				Name: hook.Name, ClientConfig: hook.ClientConfig, Rules: hook.Rules, FailurePolicy: hook.FailurePolicy,
				SideEffects: hook.SideEffects, AdmissionReviewVersions: hook.AdmissionReviewVersions, NamespaceSelector: hook.NamespaceSelector,
			}},
		}, func(c *admissionv1.MutatingWebhookConfiguration) bool {
			if !setCA {
				return false
			}
			changed := false
			for i := range c.Webhooks {
				changed = setCABundle(&c.Webhooks[i].ClientConfig, caBundle) || changed
			}
			return changed
		})
	}
	return putWebhookConfig(ctx, api.ValidatingWebhookConfigurations(), meta.Name, &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: meta, Webhooks: []admissionv1.ValidatingWebhook{hook},
	}, func(c *admissionv1.ValidatingWebhookConfiguration) bool {
		if !setCA {
			return false
		}
		changed := false
		for i := range c.Webhooks {
			changed = setCABundle(&c.Webhooks[i].ClientConfig, caBundle) || changed
		}
		return changed
	})
}

// webhookConfigClient is what the typed clients of validating and mutating configurations share.
type webhookConfigClient[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*T, error)
	Create(ctx context.Context, obj *T, opts metav1.CreateOptions) (*T, error)
	Update(ctx context.Context, obj *T, opts metav1.UpdateOptions) (*T, error)
}

// putWebhookConfig creates fresh when the configuration is missing; otherwise it updates the
// configuration only when setCA changed it, so an unchanged estate writes nothing.
func putWebhookConfig[T any](ctx context.Context, c webhookConfigClient[T], name string, fresh *T, setCA func(*T) bool) error {
	cur, err := c.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = c.Create(ctx, fresh, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if setCA(cur) {
		_, err = c.Update(ctx, cur, metav1.UpdateOptions{})
	}
	return err
}

// setCABundle sets cc's caBundle and reports whether that changed it.
func setCABundle(cc *admissionv1.WebhookClientConfig, caBundle []byte) bool {
	if bytes.Equal(cc.CABundle, caBundle) {
		return false
	}
	cc.CABundle = caBundle
	return true
}

// collectWebhooks deletes the webhook configurations of estates whose namespace is gone.
func (r *reconciler) collectWebhooks(ctx context.Context, live map[string]bool) {
	api := r.c.AdmissionregistrationV1()
	if vl, err := api.ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{LabelSelector: estateOf}); err == nil {
		for _, w := range vl.Items {
			if !live[w.Labels[estateOf]] {
				_ = api.ValidatingWebhookConfigurations().Delete(ctx, w.Name, metav1.DeleteOptions{})
			}
		}
	}
	if ml, err := api.MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{LabelSelector: estateOf}); err == nil {
		for _, w := range ml.Items {
			if !live[w.Labels[estateOf]] {
				_ = api.MutatingWebhookConfigurations().Delete(ctx, w.Name, metav1.DeleteOptions{})
			}
		}
	}
}
