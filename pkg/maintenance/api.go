package maintenance

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// NodeMaintenanceResource is the plural resource name every generation of the operator serves.
const NodeMaintenanceResource = "nodemaintenances"

// KnownAPIs lists the group/versions that have served NodeMaintenance, newest first. The
// medik8s operator is the one shipped today; nodemaintenance.kubevirt.io is what the operator
// served before it moved to medik8s; kubevirt.io/v1alpha1 is the group the product docs'
// original example uses. The first one the cluster serves wins. A function, not a variable, so
// that no caller can change what the others see.
func KnownAPIs() []schema.GroupVersion {
	return []schema.GroupVersion{
		{Group: "nodemaintenance.medik8s.io", Version: "v1beta1"},
		{Group: "nodemaintenance.kubevirt.io", Version: "v1beta1"},
		{Group: "kubevirt.io", Version: "v1alpha1"},
	}
}

// API is the NodeMaintenance resource chosen for this cluster.
type API struct {
	GVR  schema.GroupVersionResource
	Kind string
}

// APIVersion is the apiVersion string written into created objects.
func (a API) APIVersion() string { return a.GVR.GroupVersion().String() }

// ErrNoAPI means no known NodeMaintenance group/version is served by the cluster.
var ErrNoAPI = errors.New("no NodeMaintenance API is served by this cluster")

// NoAPIError carries the remedy alongside ErrNoAPI so the command can print one clear line
// and a hint.
type NoAPIError struct{}

func (NoAPIError) Error() string {
	return "no NodeMaintenance API is served by this cluster (looked for " + knownAPIList() + ")"
}

func (NoAPIError) Unwrap() error { return ErrNoAPI }

// Hint says how to get out of the situation.
func (NoAPIError) Hint() string {
	return "install the Node Maintenance Operator (OperatorHub: \"Node Maintenance Operator\", or github.com/medik8s/node-maintenance-operator), or use --method=drain to cordon and drain the node without it"
}

func knownAPIList() string {
	s := ""
	for i, gv := range KnownAPIs() {
		if i > 0 {
			s += ", "
		}
		s += NodeMaintenanceResource + "." + gv.String()
	}
	return s
}

// ResolveAPI asks discovery, group/version by group/version, which NodeMaintenance API is
// served. Asking for each known group/version (rather than fetching every API group) keeps it
// to at most three small requests and does not fail when an unrelated aggregated API is down.
func ResolveAPI(d discovery.DiscoveryInterface) (API, error) {
	for _, gv := range KnownAPIs() {
		list, err := d.ServerResourcesForGroupVersion(gv.String())
		if err != nil {
			if apierrors.IsNotFound(err) || discovery.IsGroupDiscoveryFailedError(err) {
				continue
			}
			// Any other error (unreachable server, forbidden) is not "absent": say so.
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
				return API{}, fmt.Errorf("discovering the NodeMaintenance API: %w", err)
			}
			if isGroupVersionAbsent(err) {
				continue
			}
			return API{}, fmt.Errorf("discovering the NodeMaintenance API: %w", err)
		}
		for _, r := range list.APIResources {
			if r.Name == NodeMaintenanceResource {
				return API{GVR: gv.WithResource(NodeMaintenanceResource), Kind: r.Kind}, nil
			}
		}
	}
	return API{}, NoAPIError{}
}

// isGroupVersionAbsent recognises the "the server could not find the requested resource"
// answer the fake and some proxies give for an unknown group/version.
func isGroupVersionAbsent(err error) bool {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		return se.Status().Code == 404
	}
	return false
}
