package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

// defaultWebhooks are the virt-api webhooks the API server calls on the local cluster: the
// launcher-eviction interceptor and the migration validators. The others wait for the real
// virt-controller (docs/simulator.md says why).
var defaultWebhooks = []string{
	"virt-launcher-eviction-interceptor.kubevirt.io",
	"migration-create-validator.kubevirt.io",
	"migration-update-validator.kubevirt.io",
}

// urlConfigs returns virt-operator's webhook configurations for virt-api in namespace ns as
// components.NewVirtAPIValidatingWebhookConfiguration and NewVirtAPIMutatingWebhookConfiguration
// generate them, with only the webhooks named in keep, and each webhook's Service reference
// replaced by the URL base+<its upstream path> with caBundle: the API server then calls
// virt-api on the loopback instead of through a cluster IP. Nothing else is changed. A
// configuration left without webhooks is nil. A name in keep that upstream does not generate
// is an error, so a typo or a version without that webhook does not pass unnoticed.
func urlConfigs(ns, base string, caBundle []byte, keep []string) (*admv1.ValidatingWebhookConfiguration, *admv1.MutatingWebhookConfiguration, error) {
	wanted := map[string]bool{}
	for _, n := range keep {
		wanted[n] = true
	}
	found := map[string]bool{}

	v := components.NewVirtAPIValidatingWebhookConfiguration(ns)
	var vhooks []admv1.ValidatingWebhook
	for _, h := range v.Webhooks {
		if !wanted[h.Name] {
			continue
		}
		cc, err := toURL(h.Name, h.ClientConfig, base, caBundle)
		if err != nil {
			return nil, nil, err
		}
		h.ClientConfig = cc
		vhooks = append(vhooks, h)
		found[h.Name] = true
	}
	v.Webhooks = vhooks

	m := components.NewVirtAPIMutatingWebhookConfiguration(ns)
	var mhooks []admv1.MutatingWebhook
	for _, h := range m.Webhooks {
		if !wanted[h.Name] {
			continue
		}
		cc, err := toURL(h.Name, h.ClientConfig, base, caBundle)
		if err != nil {
			return nil, nil, err
		}
		h.ClientConfig = cc
		mhooks = append(mhooks, h)
		found[h.Name] = true
	}
	m.Webhooks = mhooks

	var missing []string
	for n := range wanted {
		if !found[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, fmt.Errorf("virt-operator generates no virt-api webhook named %s", strings.Join(missing, ", "))
	}
	if len(v.Webhooks) == 0 {
		v = nil
	}
	if len(m.Webhooks) == 0 {
		m = nil
	}
	return v, m, nil
}

func toURL(name string, cc admv1.WebhookClientConfig, base string, caBundle []byte) (admv1.WebhookClientConfig, error) {
	if cc.Service == nil {
		return cc, fmt.Errorf("webhook %s: upstream gives no Service reference to replace", name)
	}
	path := ""
	if cc.Service.Path != nil {
		path = *cc.Service.Path
	}
	url := strings.TrimSuffix(base, "/") + path
	return admv1.WebhookClientConfig{URL: &url, CABundle: caBundle}, nil
}

// registerValidating creates want or brings the existing configuration of that name to it,
// writing nothing when it is already there (virt-operator's
// createOrUpdateValidatingWebhookConfiguration, apply/admissionregistration.go, does the same
// with a patch). Webhooks another writer put into that configuration are replaced.
func registerValidating(ctx context.Context, c kubernetes.Interface, want *admv1.ValidatingWebhookConfiguration) error {
	api := c.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	have, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if metaCovers(have.ObjectMeta, want.ObjectMeta) && len(have.Webhooks) == len(want.Webhooks) {
		same := true
		for i := range want.Webhooks {
			same = same && sameValidating(have.Webhooks[i], want.Webhooks[i])
		}
		if same {
			return nil
		}
	}
	up := have.DeepCopy()
	up.Labels = merged(up.Labels, want.Labels)
	up.Annotations = merged(up.Annotations, want.Annotations)
	up.Webhooks = want.Webhooks
	_, err = api.Update(ctx, up, metav1.UpdateOptions{})
	return err
}

// registerMutating is registerValidating for a mutating configuration.
func registerMutating(ctx context.Context, c kubernetes.Interface, want *admv1.MutatingWebhookConfiguration) error {
	api := c.AdmissionregistrationV1().MutatingWebhookConfigurations()
	have, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if metaCovers(have.ObjectMeta, want.ObjectMeta) && len(have.Webhooks) == len(want.Webhooks) {
		same := true
		for i := range want.Webhooks {
			same = same && sameMutating(have.Webhooks[i], want.Webhooks[i])
		}
		if same {
			return nil
		}
	}
	up := have.DeepCopy()
	up.Labels = merged(up.Labels, want.Labels)
	up.Annotations = merged(up.Annotations, want.Annotations)
	up.Webhooks = want.Webhooks
	_, err = api.Update(ctx, up, metav1.UpdateOptions{})
	return err
}

// sameValidating reports whether have is want once the API server's defaults (match policy,
// selectors, rule scope, timeout) are taken as given: fields upstream leaves unset.
func sameValidating(have, want admv1.ValidatingWebhook) bool {
	w := want.DeepCopy()
	if w.MatchPolicy == nil {
		w.MatchPolicy = have.MatchPolicy
	}
	if w.NamespaceSelector == nil {
		w.NamespaceSelector = have.NamespaceSelector
	}
	if w.ObjectSelector == nil {
		w.ObjectSelector = have.ObjectSelector
	}
	if w.TimeoutSeconds == nil {
		w.TimeoutSeconds = have.TimeoutSeconds
	}
	defaultScopes(w.Rules, have.Rules)
	return equality.Semantic.DeepEqual(*w, have)
}

func sameMutating(have, want admv1.MutatingWebhook) bool {
	w := want.DeepCopy()
	if w.MatchPolicy == nil {
		w.MatchPolicy = have.MatchPolicy
	}
	if w.NamespaceSelector == nil {
		w.NamespaceSelector = have.NamespaceSelector
	}
	if w.ObjectSelector == nil {
		w.ObjectSelector = have.ObjectSelector
	}
	if w.TimeoutSeconds == nil {
		w.TimeoutSeconds = have.TimeoutSeconds
	}
	if w.ReinvocationPolicy == nil {
		w.ReinvocationPolicy = have.ReinvocationPolicy
	}
	defaultScopes(w.Rules, have.Rules)
	return equality.Semantic.DeepEqual(*w, have)
}

func defaultScopes(want, have []admv1.RuleWithOperations) {
	if len(want) != len(have) {
		return
	}
	for i := range want {
		if want[i].Scope == nil {
			want[i].Scope = have[i].Scope
		}
	}
}

// metaCovers reports whether have carries every label and annotation of want.
func metaCovers(have, want metav1.ObjectMeta) bool {
	for k, v := range want.Labels {
		if have.Labels[k] != v {
			return false
		}
	}
	for k, v := range want.Annotations {
		if have.Annotations[k] != v {
			return false
		}
	}
	return true
}

func merged(have, want map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range have {
		out[k] = v
	}
	for k, v := range want {
		out[k] = v
	}
	return out
}
