//go:build e2e

package e2e

import (
	"testing"

	"github.com/oc-cnv/oc-cnv/test/apiproxy"
	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// apiProxy stands in front of the shared cluster, so that a test can hide APIs or inject
// faults for its own oc-cnv runs only.
type apiProxy = apiproxy.Proxy

func newAPIProxy(t *testing.T, env *framework.Env) *apiProxy {
	t.Helper()
	return apiproxy.New(t, env.Config)
}
