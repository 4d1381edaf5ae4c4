package maintenance

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
)

// CheckNodeName rejects what cannot be a node name before any request is made: node names are
// DNS-1123 subdomains.
func CheckNodeName(name string) error {
	return checkName(name, "node name")
}

// CheckNodeOrObjectName is CheckNodeName for arguments that may name a node or a
// NodeMaintenance (both are DNS-1123 subdomains).
func CheckNodeOrObjectName(name string) error {
	return checkName(name, "node or NodeMaintenance name")
}

func checkName(name, what string) error {
	if name == "" {
		return fmt.Errorf("\"\" is not a valid %s: it is empty; give the name as 'get nodes' shows it", what)
	}
	if len(validation.IsDNS1123Subdomain(name)) > 0 {
		return fmt.Errorf("%q is not a valid %s (lowercase letters, digits, '-' and '.', at most 253 characters); give the name as 'get nodes' shows it", name, what)
	}
	return nil
}
