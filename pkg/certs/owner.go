package certs

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownerInfo is what a scan learns about who can re-issue a certificate, so that `certs check`
// can say what fixes each one.
type ownerInfo struct {
	// catalogued: a Secret of the catalogue, which `certs rotate secret/NAME` re-issues.
	catalogued bool
	// component: attributed to a component (by the catalogue or its owner's labels), whose
	// rotation re-issues it or rebuilds the bundle.
	component bool
	// certManager is the cert-manager Certificate that issues the Secret.
	certManager string
	// serviceCA is the Service for which OpenShift's service-ca issues the Secret.
	serviceCA string
	// controller is the kind/name of the object that controls it (ownerReferences).
	controller string
	// injected: OpenShift's service-ca operator writes this bundle and renews its CA by
	// itself; no component's rotation changes it.
	injected bool
}

// serviceCABundle is the ConfigMap OpenShift injects the service CA into, in every namespace.
const serviceCABundle = "openshift-service-ca.crt"

// Annotations the issuers put on the Secrets they write.
const (
	annCertManagerCertificate = "cert-manager.io/certificate-name"
	annServiceCAService       = "service.beta.openshift.io/originating-service-name"
)

func secretOwner(s *corev1.Secret, catalogued bool) ownerInfo {
	return ownerInfo{
		catalogued:  catalogued,
		component:   catalogued || componentOfLabels(s.Labels) != "-",
		certManager: s.Annotations[annCertManagerCertificate],
		serviceCA:   s.Annotations[annServiceCAService],
		controller:  controllerOf(s.OwnerReferences),
	}
}

func controllerOf(refs []metav1.OwnerReference) string {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return strings.ToLower(r.Kind) + "/" + r.Name
		}
	}
	return ""
}
