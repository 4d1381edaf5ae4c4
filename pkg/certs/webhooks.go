package certs

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// webhookClientConfigs reads the client configurations of every webhook of one validating or
// mutating webhook configuration.
func (r *Rotator) webhookClientConfigs(ctx context.Context, kind, name string) ([]admissionregistrationv1.WebhookClientConfig, error) {
	api := r.Client.AdmissionregistrationV1()
	var configs []admissionregistrationv1.WebhookClientConfig
	switch kind {
	case KindValidating:
		w, err := api.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, h := range w.Webhooks {
			configs = append(configs, h.ClientConfig)
		}
	case KindMutating:
		w, err := api.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, h := range w.Webhooks {
			configs = append(configs, h.ClientConfig)
		}
	default:
		return nil, fmt.Errorf("%s is not a webhook configuration kind", kind)
	}
	return configs, nil
}

// webhookName returns the name under which a catalogue webhook exists for namespace ns: its
// real name, or the name suffixed with the namespace when several installations share a
// cluster.
func (r *Rotator) webhookName(ctx context.Context, ref Ref, ns string) (string, bool) {
	for _, name := range []string{ref.Name, ref.Name + "-" + ns} {
		configs, err := r.webhookClientConfigs(ctx, ref.Kind, name)
		if err != nil || len(configs) == 0 || configs[0].Service == nil {
			continue
		}
		// Only the configuration that calls this installation's service is ours to touch.
		if configs[0].Service.Namespace == ns {
			return name, true
		}
	}
	return "", false
}
