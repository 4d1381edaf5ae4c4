package main

import (
	"bytes"
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	cdicerts "kubevirt.io/containerized-data-importer/pkg/operator/resources/cert"
)

// CDI v1.59.0 pkg/operator/resources/cluster/apiserver.go: the webhooks call Service cdi-api,
// with the bundle of ConfigMap cdi-apiserver-signer-bundle, key ca-bundle.crt
// (GetAPIServerCABundle).
const (
	apiServerService = "cdi-api"
	apiServerBundle  = "cdi-apiserver-signer-bundle"
	bundleKey        = "ca-bundle.crt"
)

// ensureResources is the part of the operator SDK's reconcile that runs before the certificates:
// the definitions' Secrets and bundles are resources of the CR (cr-manager.go), created with
// their labels when missing and otherwise left to the certificate manager; and the webhook
// configurations get the apiserver signer bundle as it is now.
func (o *owner) ensureResources(ctx context.Context, ns string, defs []cdicerts.CertificateDefinition) error {
	for _, d := range defs {
		for _, s := range []*corev1.Secret{d.SignerSecret, d.TargetSecret} {
			if s == nil {
				continue
			}
			if _, err := o.c.CoreV1().Secrets(ns).Create(ctx, s.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
		}
		if d.CertBundleConfigmap != nil {
			if _, err := o.c.CoreV1().ConfigMaps(ns).Create(ctx, d.CertBundleConfigmap.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
		}
	}
	cm, err := o.c.CoreV1().ConfigMaps(ns).Get(ctx, apiServerBundle, metav1.GetOptions{})
	if err != nil {
		return err
	}
	return o.ensureWebhookBundles(ctx, ns, []byte(cm.Data[bundleKey]))
}

// ensureWebhookBundles gives every webhook of the estate that calls cdi-api the bundle.
func (o *owner) ensureWebhookBundles(ctx context.Context, ns string, bundle []byte) error {
	if len(bundle) == 0 {
		return nil
	}
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
	if cc.Service == nil || cc.Service.Namespace != ns || cc.Service.Name != apiServerService || bytes.Equal(cc.CABundle, bundle) {
		return false
	}
	cc.CABundle = bundle
	return true
}
