package e2e

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// apiProxy is a plain-HTTP reverse proxy in front of the test cluster's API server, holding the
// admin credentials itself. Tests point oc-cnv at it to make the cluster look different (an API
// that is not served) or misbehave (429 and 5xx answers) without touching the shared cluster.
type apiProxy struct {
	URL string

	mu sync.Mutex
	// hidden path prefixes answer 404, as an API server that does not serve the group does.
	hidden []string
	// fault, when set, decides per request whether to answer with an injected status instead.
	fault func(r *http.Request) int

	requests atomic.Int64
	injected atomic.Int64
}

func newAPIProxy(t *testing.T, env *framework.Env) *apiProxy {
	t.Helper()
	upstream, err := url.Parse(env.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := rest.TransportFor(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = rt
	// Watches stream: flush every write so the client sees events as they come.
	rp.FlushInterval = -1
	p := &apiProxy{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		p.mu.Lock()
		hidden, fault := p.hidden, p.fault
		p.mu.Unlock()
		for _, h := range hidden {
			if r.URL.Path == h || strings.HasPrefix(r.URL.Path, h+"/") {
				http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"the server could not find the requested resource"}`, http.StatusNotFound)
				return
			}
		}
		if fault != nil {
			if code := fault(r); code != 0 {
				p.injected.Add(1)
				w.Header().Set("Content-Type", "application/json")
				if code == http.StatusTooManyRequests {
					// client-go honours Retry-After; one second keeps the tests short.
					w.Header().Set("Retry-After", "1")
				}
				w.WriteHeader(code)
				_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected by the test proxy","code":` + strconv.Itoa(code) + `}`))
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// Hide makes the proxy answer 404 for these API paths (e.g. /apis/GROUP/VERSION).
func (p *apiProxy) Hide(paths ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hidden = append(p.hidden, paths...)
}

// SetFault installs (or, with nil, removes) the fault decision.
func (p *apiProxy) SetFault(f func(r *http.Request) int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
}

// Kubeconfig writes a kubeconfig that reaches the cluster through the proxy; it carries no
// credentials, the proxy adds them.
func (p *apiProxy) Kubeconfig(t *testing.T) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: p.URL}
	cfg.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	cfg.CurrentContext = "proxy"
	path := filepath.Join(t.TempDir(), "kubeconfig-proxy")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
