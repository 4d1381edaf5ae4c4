package cmdutil

import (
	"fmt"
	"net/http"
	"runtime"

	"k8s.io/client-go/rest"

	"github.com/oc-cnv/oc-cnv/pkg/version"
)

// FieldManager is the name every write of oc-cnv records in managedFields, whichever name the
// plugin was invoked by: audit logs and managedFields then show one client.
const FieldManager = "oc-cnv"

// UserAgent is "oc-cnv/<version> (<os>/<arch>) <commit>", the form kubectl's own has. Without
// a field manager the API server takes the User-Agent up to its first "/" as the manager, so
// the two agree.
func UserAgent() string {
	v := version.Get()
	commit := v.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	return fmt.Sprintf("%s/%s (%s/%s) %s", FieldManager, v.Version, runtime.GOOS, runtime.GOARCH, commit)
}

// identify gives every client built from cfg oc-cnv's User-Agent and field manager. It is the
// kubeconfig flags' config wrapper, so the discovery client and REST mapper get it too.
func identify(cfg *rest.Config) *rest.Config {
	cfg.UserAgent = UserAgent()
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return fieldManagerTransport{rt} })
	return cfg
}

// fieldManagerTransport names oc-cnv as the field manager of every create, update and patch.
// One place rather than an option at each call site: a write added later cannot forget it.
type fieldManagerTransport struct{ next http.RoundTripper }

func (t fieldManagerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		q := req.URL.Query()
		if q.Get("fieldManager") == "" {
			// RoundTrippers must not change the caller's request.
			req = req.Clone(req.Context())
			q.Set("fieldManager", FieldManager)
			req.URL.RawQuery = q.Encode()
		}
	}
	return t.next.RoundTrip(req)
}
