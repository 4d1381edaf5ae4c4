package maintenance

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// From KubeVirt v1.5.0 virt-api's launcher-eviction webhook has failurePolicy Fail (v1.4 had
// Ignore; kubevirt pkg/virt-operator/resource/generate/components/webhooks.go). With virt-api
// down the API server refuses every eviction of a virt-launcher pod with "failed calling
// webhook", which reads like a broken VM but only means virt-api did not answer.
const evictionWebhookName = "virt-launcher-eviction-interceptor.kubevirt.io"

// evictionWebhookDown tells an eviction refused because virt-api could not be called.
func evictionWebhookDown(msg string) bool {
	return strings.Contains(msg, "failed calling webhook") && strings.Contains(msg, evictionWebhookName)
}

// explainLastError names the cause of a last error that reads like something else.
func explainLastError(msg string) string {
	if evictionWebhookDown(msg) {
		return "virt-api unreachable: its eviction webhook fails closed, so VM pods cannot be evicted until it answers (" + msg + ")"
	}
	return msg
}

// VirtAPIWarning says, before a drain, that virt-api has no ready pod: the drain would then
// wait on every VM. Empty when it is ready, when KubeVirt is not installed, or when its pods
// cannot be read (this is advice, not a check that may stop the command).
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
	return fmt.Sprintf("virt-api has no ready pod in namespace %s: from KubeVirt v1.5.0 its eviction webhook fails closed, "+
		"so VM pods cannot be evicted and the drain waits until virt-api is back", ns)
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
