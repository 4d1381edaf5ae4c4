//go:build tools

// Package tools names the upstream commands hack/cluster.sh builds from this module
// (kubevirt.io/kubevirt/cmd/virt-api), so that go mod tidy keeps what they need.
package tools

import (
	_ "kubevirt.io/kubevirt/cmd/virt-api"
)
