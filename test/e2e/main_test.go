//go:build e2e

// Package e2e holds the end-to-end tests: the real oc-cnv binary against the local cluster
// (hack/cluster.sh), with the real Node Maintenance Operator and the KubeVirt simulator.
package e2e

import (
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

func TestMain(m *testing.M) { framework.Main(m) }
