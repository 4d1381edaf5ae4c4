package maintenance

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/pkg/kubevirtversion"
)

// From KubeVirt v1.5.0 virt-api's launcher-eviction webhook has failurePolicy Fail (v1.4 had
// Ignore; kubevirt pkg/virt-operator/resource/generate/components/webhooks.go). With virt-api
// down the API server refuses every eviction of a virt-launcher pod with "failed calling
// webhook", which reads like a broken VM but only means virt-api did not answer.
const evictionWebhookName = "virt-launcher-eviction-interceptor.kubevirt.io"

// EvictionWebhookDown tells an eviction refused because virt-api could not be called. It is
// exported for the drain method (pkg/maintenance/drainmethod), which waits for virt-api then.
func EvictionWebhookDown(msg string) bool {
	return strings.Contains(msg, "failed calling webhook") && strings.Contains(msg, evictionWebhookName)
}

// ExplainLastError names the cause of a last error that reads like something else. It knows
// KubeVirt's webhooks, so it belongs here; pkg/printers shows every last error through it.
func ExplainLastError(msg string) string {
	if EvictionWebhookDown(msg) {
		return "virt-api unreachable: its eviction webhook fails closed, so VM pods cannot be evicted until it answers (" + msg + ")"
	}
	return msg
}

// VirtAPIWarning says, before a drain, that virt-api has no ready pod, and what that does to
// the drain on the KubeVirt version the cluster runs. Empty when it is ready, when KubeVirt is
// not installed, or when its pods cannot be read (this is advice, not a check that may stop
// the command).
func VirtAPIWarning(ctx context.Context, c Clients) string {
	kvs, err := c.KubeVirt.KubevirtV1().KubeVirts(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil || len(kvs.Items) == 0 {
		return ""
	}
	ns := kvs.Items[0].Namespace
	pods, err := c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "kubevirt.io=virt-api"})
	if err != nil {
		return ""
	}
	for i := range pods.Items {
		if podReady(&pods.Items[i]) {
			return ""
		}
	}
	return virtAPIDownText(ns, kubevirtversion.Read(ctx, c.Dynamic, ns))
}

// virtAPIDownText words the warning for version v. Before v1.5.0 the webhook failed open: the
// API server evicts without asking virt-api, so nothing marks a VM for evacuation, and a VM
// with an eviction strategy is held only by the PodDisruptionBudget virt-controller keeps for
// it (pkg/virt-controller/watch/drain/disruptionbudget, v1.4.0), while the others go as
// planned. An unknown version gets the current behaviour.
func virtAPIDownText(ns string, v kubevirtversion.Version) string {
	switch {
	case !v.Known():
		return fmt.Sprintf("virt-api has no ready pod in namespace %s: from KubeVirt v1.5.0 its eviction webhook fails closed, "+
			"so VM pods cannot be evicted and the drain waits until virt-api is back", ns)
	case v.AtLeast("v1.5.0"):
		return fmt.Sprintf("virt-api has no ready pod in namespace %s: the eviction webhook of KubeVirt %s fails closed, "+
			"so VM pods cannot be evicted and the drain waits until virt-api is back", ns, v)
	}
	return fmt.Sprintf("virt-api has no ready pod in namespace %s: the eviction webhook of KubeVirt %s fails open, "+
		"so no VM is live-migrated: VMs with an eviction strategy wait, held by their PodDisruptionBudgets, "+
		"until virt-api is back, and the others are shut down as planned", ns, v)
}

func podReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
