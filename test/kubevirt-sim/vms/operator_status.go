package vms

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// The operator status controller plays the part of virt-operator that reports, on the KubeVirt
// CR, which version it deployed (kubevirt v1.6.0 pkg/virt-operator/kubevirt.go, once every
// component is ready: phase Deployed, util.UpdateConditionsCreated and
// UpdateConditionsAvailable; pkg/virt-operator/util/config.go SetTargetDeploymentConfig and
// SetObservedDeploymentConfig; util.SetOperatorVersion). The version is the one the cluster
// runs (--kubevirt-version, hack/cluster.sh's KUBEVIRT_VERSION), or the test knob below, which
// plays an upgrade to (or a cluster on) another release: the simulator's version-dependent
// behaviour (evacuation_controller.go) and the product read it back from the status.

// annotationKubeVirtVersion on the KubeVirt CR overrides --kubevirt-version; remove it to go
// back.
const annotationKubeVirtVersion = "kubevirt-sim.oc-cnv.io/kubevirt-version"

// kubeVirtRegistry is the registry of upstream KubeVirt's images, which the status names.
const kubeVirtRegistry = "quay.io/kubevirt"

func newOperatorStatusController(s *simulator) *loop {
	l := newLoop("kubevirt-status", nil)
	l.sync = func(ctx context.Context, key string) error { return syncOperatorStatus(ctx, s, key) }
	must2(s.kvs.AddEventHandler(handlerFor(l.addObj)))
	return l
}

// deployedVersion is the version the CR should report: the knob, else the flag.
func deployedVersion(kv *virtv1.KubeVirt, flag string) string {
	if v := kv.Annotations[annotationKubeVirtVersion]; v != "" {
		return v
	}
	return flag
}

func syncOperatorStatus(ctx context.Context, s *simulator, key string) error {
	kv := cached[virtv1.KubeVirt](s.kvs, key)
	if kv == nil || kv.DeletionTimestamp != nil {
		return nil
	}
	version := deployedVersion(kv, s.opts.KubeVirtVersion)
	if version == "" {
		return nil
	}
	st := kv.Status
	if st.Phase == virtv1.KubeVirtPhaseDeployed && st.ObservedKubeVirtVersion == version && st.TargetKubeVirtVersion == version &&
		st.ObservedKubeVirtRegistry == kubeVirtRegistry && st.OperatorVersion == version {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"status": operatorStatus(kv.Generation, version)})
	if err != nil {
		return err
	}
	if _, err := s.virt.KubevirtV1().KubeVirts(kv.Namespace).Patch(ctx, kv.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("reporting KubeVirt %s deployed: %w", version, err)
	}
	klog.Infof("kubevirt-status: KubeVirt CR %s reports version %s deployed", key, version)
	return nil
}

// operatorStatus is what virt-operator reports once version is deployed and ready.
func operatorStatus(generation int64, version string) map[string]any {
	now := metav1.Now()
	cond := func(t virtv1.KubeVirtConditionType, status corev1.ConditionStatus, reason, msg string) virtv1.KubeVirtCondition {
		return virtv1.KubeVirtCondition{Type: t, Status: status, Reason: reason, Message: msg, LastProbeTime: now, LastTransitionTime: now}
	}
	const ready = "All components are ready."
	return map[string]any{
		"phase":                    virtv1.KubeVirtPhaseDeployed,
		"operatorVersion":          version,
		"targetKubeVirtVersion":    version,
		"targetKubeVirtRegistry":   kubeVirtRegistry,
		"observedKubeVirtVersion":  version,
		"observedKubeVirtRegistry": kubeVirtRegistry,
		"observedGeneration":       generation,
		"conditions": []virtv1.KubeVirtCondition{
			cond(virtv1.KubeVirtConditionAvailable, corev1.ConditionTrue, "AllComponentsReady", ready),
			cond(virtv1.KubeVirtConditionProgressing, corev1.ConditionFalse, "AllComponentsReady", ready),
			cond(virtv1.KubeVirtConditionDegraded, corev1.ConditionFalse, "AllComponentsReady", ready),
			cond(virtv1.KubeVirtConditionCreated, corev1.ConditionTrue, "AllResourcesCreated", "All resources were created."),
		},
	}
}
