package certs

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// reader is where a rotation reads the objects it checks. Planning reads the API server; the
// wait after the changes reads informer caches (cache.go), so that re-checking costs no
// requests and a change wakes the wait at once.
type reader interface {
	secret(ctx context.Context, ns, name string) (*corev1.Secret, error)
	configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error)
	deployment(ctx context.Context, ns, name string) (*appsv1.Deployment, error)
	daemonSet(ctx context.Context, ns, name string) (*appsv1.DaemonSet, error)
	// webhooks returns the client configurations of every webhook of one validating or
	// mutating webhook configuration.
	webhooks(ctx context.Context, kind, name string) ([]admissionregistrationv1.WebhookClientConfig, error)
}

type apiReader struct{ c kubernetes.Interface }

func (a apiReader) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return a.c.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (a apiReader) configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	return a.c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
}

func (a apiReader) deployment(ctx context.Context, ns, name string) (*appsv1.Deployment, error) {
	return a.c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
}

func (a apiReader) daemonSet(ctx context.Context, ns, name string) (*appsv1.DaemonSet, error) {
	return a.c.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (a apiReader) webhooks(ctx context.Context, kind, name string) ([]admissionregistrationv1.WebhookClientConfig, error) {
	api := a.c.AdmissionregistrationV1()
	switch kind {
	case KindValidating:
		w, err := api.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return validatingConfigs(w), nil
	case KindMutating:
		w, err := api.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return mutatingConfigs(w), nil
	}
	return nil, fmt.Errorf("%s is not a webhook configuration kind", kind)
}

func validatingConfigs(w *admissionregistrationv1.ValidatingWebhookConfiguration) []admissionregistrationv1.WebhookClientConfig {
	out := make([]admissionregistrationv1.WebhookClientConfig, 0, len(w.Webhooks))
	for _, h := range w.Webhooks {
		out = append(out, h.ClientConfig)
	}
	return out
}

func mutatingConfigs(w *admissionregistrationv1.MutatingWebhookConfiguration) []admissionregistrationv1.WebhookClientConfig {
	out := make([]admissionregistrationv1.WebhookClientConfig, 0, len(w.Webhooks))
	for _, h := range w.Webhooks {
		out = append(out, h.ClientConfig)
	}
	return out
}
