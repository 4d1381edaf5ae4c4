package main

import (
	"bytes"
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The simulator labels the webhook configurations it creates for an estate with this
// (test/kubevirt-sim/certowners/certowners.go); their names carry a per-estate suffix because
// they are cluster-scoped.
const estateOfLabel = "kubevirt-sim.oc-cnv.io/estate"

// virt-operator's webhooks are the ones calling its two serving Services (virt-api for
// virt-api-validator and virt-api-mutator, kubevirt-operator-webhook for virt-operator-validator:
// pkg/virt-operator/resource/generate/components/webhooks.go).
var kubevirtWebhookServices = map[string]bool{"virt-api": true, "kubevirt-operator-webhook": true}

// ensureWebhookBundles is the caBundle half of createOrUpdateValidatingWebhookConfigurations and
// createOrUpdateMutatingWebhookConfigurations (apply/admissionregistration.go): every webhook of
// the estate that calls a KubeVirt Service gets the kubevirt-ca bundle. Configurations that do
// not exist yet are the simulator's to create.
func (o *owner) ensureWebhookBundles(ctx context.Context, ns string, bundle []byte) error {
	sel := metav1.ListOptions{LabelSelector: estateOfLabel + "=" + ns}
	api := o.c.AdmissionregistrationV1()
	vl, err := api.ValidatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return err
	}
	for i := range vl.Items {
		c := vl.Items[i].DeepCopy()
		changed := false
		for j := range c.Webhooks {
			changed = setBundle(&c.Webhooks[j].ClientConfig, ns, bundle) || changed
		}
		if changed {
			if _, err := api.ValidatingWebhookConfigurations().Update(ctx, c, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	}
	ml, err := api.MutatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return err
	}
	for i := range ml.Items {
		c := ml.Items[i].DeepCopy()
		changed := false
		for j := range c.Webhooks {
			changed = setBundle(&c.Webhooks[j].ClientConfig, ns, bundle) || changed
		}
		if changed {
			if _, err := api.MutatingWebhookConfigurations().Update(ctx, c, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	}
	return nil
}

func setBundle(cc *admissionv1.WebhookClientConfig, ns string, bundle []byte) bool {
	if cc.Service == nil || cc.Service.Namespace != ns || !kubevirtWebhookServices[cc.Service.Name] || bytes.Equal(cc.CABundle, bundle) {
		return false
	}
	cc.CABundle = bundle
	return true
}
