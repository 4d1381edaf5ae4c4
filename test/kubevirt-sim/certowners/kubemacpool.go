package certowners

import (
	"context"
)

// kubemacpool's certificates are kept by kubemacpool's own certificate manager,
// qinqon/kube-admission-webhook's pkg/certificate, run by hack/tools/kubemacpool's
// kubemacpool-certs (docs/simulator.md); what is left here is what kubemacpool's manifests
// install around it: the Deployments, the Service and the webhook configuration it keeps the
// caBundle of.
const kmpService = "kubemacpool-service"

var kmpWebhook = webhookSpec{name: "kubemacpool-mutator", mutating: true, service: kmpService, path: "/mutate-virtualmachines"}

func (r *reconciler) kubemacpool(ctx context.Context, e *estate) error {
	if _, err := r.operatorRunning(ctx, e.ns, "cluster-network-addons-operator", map[string]string{"name": "cluster-network-addons-operator"}); err != nil {
		return err
	}
	if err := r.ensureWorkload(ctx, e.ns, "kubemacpool-mac-controller-manager", map[string]string{"app": "kubemacpool", "control-plane": "mac-controller-manager"}, false); err != nil {
		return err
	}
	// The certificate manager runs in its own Deployment; kubemacpool-certs runs it while this
	// Deployment has replicas.
	if _, err := r.operatorRunning(ctx, e.ns, "kubemacpool-cert-manager", map[string]string{"app": "kubemacpool", "control-plane": "cert-manager"}); err != nil {
		return err
	}
	// kubemacpool v0.50.0 config/release/kubemacpool.yaml: selector control-plane only, 443 ->
	// 8000, the manager's webhook-server port (not 8443).
	if _, err := r.ensureService(ctx, e.ns, kmpService, nil, map[string]string{"control-plane": "mac-controller-manager"}, nil, httpsPort("", 8000)); err != nil {
		return err
	}
	// The manager needs the configuration to exist, and writes its caBundle itself.
	return r.ensureWebhook(ctx, e, kmpWebhook, nil)
}
