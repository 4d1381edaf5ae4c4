package certs

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/oc-cnv/oc-cnv/pkg/kubevirtversion"
)

// Where each component tells which version of its own code runs. A Deployment's
// app.kubernetes.io/version is not it: HCO labels every operand with the version of OpenShift
// Virtualization (SSP copies that label from its CR onto its operands,
// kubevirt/ssp-operator internal/common/labels.go), and images are pinned by digest.
var (
	gvrSSPs = []schema.GroupVersionResource{
		{Group: "ssp.kubevirt.io", Version: "v1beta2", Resource: "ssps"},
		{Group: "ssp.kubevirt.io", Version: "v1beta1", Resource: "ssps"},
	}
)

// componentVersion is the version of comp's own code in ns, or "" when it cannot be told:
//   - KubeVirt: the KubeVirt CR's status.observedKubeVirtVersion (virt-operator sets it once a
//     version is deployed);
//   - SSP: the SSP CR's status.observedVersion (controller-lifecycle-operator-sdk's status, set
//     from the operator's OPERATOR_VERSION), else that environment variable of the ssp-operator
//     Deployment, which OLM's CSV sets.
func (r *Rotator) componentVersion(ctx context.Context, comp Component, ns string, op *appsv1.Deployment) string {
	switch comp.Name {
	case CompKubeVirt:
		if v := kubevirtversion.Read(ctx, r.Dynamic, ns); v.Known() {
			return v.String()
		}
	case CompSSP:
		if v := r.crStatus(ctx, gvrSSPs, ns, "observedVersion"); v != "" {
			return v
		}
		if op != nil {
			for _, c := range op.Spec.Template.Spec.Containers {
				for _, e := range c.Env {
					if e.Name == "OPERATOR_VERSION" && e.Value != "" {
						return e.Value
					}
				}
			}
		}
	}
	return ""
}

// crStatus reads status.<field> of the first custom resource of the first served gvr in ns.
func (r *Rotator) crStatus(ctx context.Context, gvrs []schema.GroupVersionResource, ns, field string) string {
	if r.Dynamic == nil {
		return ""
	}
	for _, gvr := range gvrs {
		l, err := r.Dynamic.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{Limit: 2})
		if err != nil {
			continue
		}
		for _, it := range l.Items {
			if v, _, _ := unstructured.NestedString(it.Object, "status", field); v != "" {
				return v
			}
		}
		return ""
	}
	return ""
}

// atLeast reports whether version v is known and not older than min. Unknown or unparsable
// versions are not: the caller then keeps the behaviour that is safe on every release.
func atLeast(v, min string) bool {
	if v == "" || min == "" {
		return false
	}
	have, err := utilversion.ParseGeneric(v)
	if err != nil {
		return false
	}
	return have.AtLeast(utilversion.MustParseGeneric(min))
}
