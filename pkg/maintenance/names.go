package maintenance

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
)

// CheckNodeName rejects what cannot be a node name before any request is made: node names are
// DNS-1123 subdomains.
func CheckNodeName(name string) error {
	return checkName(name, "node name", "give the node's name as 'get nodes' shows it")
}

// CheckNodeOrObjectName is CheckNodeName for arguments that may name a node or a
// NodeMaintenance (both are DNS-1123 subdomains).
func CheckNodeOrObjectName(name string) error {
	return checkName(name, "node or NodeMaintenance name", "give a name as 'get nodes' or 'maintenance list' shows it")
}

func checkName(name, what, remedy string) error {
	if name == "" {
		return fmt.Errorf("\"\" is not a valid %s: it is empty; %s", what, remedy)
	}
	if len(validation.IsDNS1123Subdomain(name)) > 0 {
		return fmt.Errorf("%q is not a valid %s (lowercase letters, digits, '-' and '.', at most 253 characters); %s", name, what, remedy)
	}
	return nil
}
