package bench

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// countingProxy sits between a client and the API server and counts the requests it passes:
// the request count of a command measured from outside it, whatever client library it uses
// (kubectl and oc-cnv alike). It holds the admin credentials; clients reach it over plain
// HTTP on the loopback, so its own cost per request is a fraction of a millisecond.
type countingProxy struct {
	url string

	mu      sync.Mutex
	total   int
	watches int
	byPath  map[string]int
}

func newCountingProxy(t *testing.T, cfg *rest.Config) *countingProxy {
	t.Helper()
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = rt
	rp.FlushInterval = -1 // watches stream
	p := &countingProxy{byPath: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.total++
		if r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1" {
			p.watches++
		}
		p.byPath[r.Method+" "+r.URL.Path]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.url = "http://" + ln.Addr().String()
	return p
}

// reset zeroes the counters and returns what they held.
func (p *countingProxy) reset() (total, watches int, byPath map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	total, watches, byPath = p.total, p.watches, p.byPath
	p.total, p.watches, p.byPath = 0, 0, map[string]int{}
	return
}

// kubeconfig writes a kubeconfig pointing at the proxy, without credentials.
func (p *countingProxy) kubeconfig(t *testing.T) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["bench"] = &clientcmdapi.Cluster{Server: p.url}
	cfg.AuthInfos["bench"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	cfg.CurrentContext = "bench"
	path := filepath.Join(t.TempDir(), "kubeconfig-proxy")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
