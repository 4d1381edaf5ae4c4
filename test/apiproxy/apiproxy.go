// Package apiproxy puts a plain-HTTP reverse proxy in front of a test cluster's API server. The
// proxy holds the admin credentials itself, so the client under test (oc-cnv or kubectl) needs
// only its URL. It counts the requests it is sent, which measures a command from outside
// whatever client library it uses, and can make the cluster look different (an API that is not
// served) or misbehave (429 and 5xx answers) without touching the cluster.
package apiproxy

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// Proxy is one running proxy; it stops when the test that made it ends.
type Proxy struct {
	URL string

	mu sync.Mutex
	// hidden path prefixes answer 404, as an API server that does not serve the group does.
	hidden []string
	// fault, when set, decides per request whether to answer with an injected status instead.
	fault    func(r *http.Request) int
	total    int
	watches  int
	byPath   map[string]int
	injected int64
}

// New starts a proxy to the API server of cfg, listening on the loopback only.
func New(t testing.TB, cfg *rest.Config) *Proxy {
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
	// Watches stream: flush every write so the client sees events as they come.
	rp.FlushInterval = -1
	// Upgraded connections (pods/portforward's SPDY, as certs check --served and rotate open
	// them) exist only in HTTP/1.1; the API server would take them over HTTP/2 and refuse.
	cfg11 := rest.CopyConfig(cfg)
	cfg11.NextProtos = []string{"http/1.1"}
	rt11, err := rest.TransportFor(cfg11)
	if err != nil {
		t.Fatal(err)
	}
	upgrades := httputil.NewSingleHostReverseProxy(upstream)
	upgrades.Transport = rt11
	p := &Proxy{byPath: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hidden, fault := p.count(r)
		for _, h := range hidden {
			if r.URL.Path == h || strings.HasPrefix(r.URL.Path, h+"/") {
				http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"the server could not find the requested resource"}`, http.StatusNotFound)
				return
			}
		}
		if fault != nil {
			if code := fault(r); code != 0 {
				p.inject(w, code)
				return
			}
		}
		if r.Header.Get("Upgrade") != "" {
			upgrades.ServeHTTP(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// count records the request and returns how the proxy is to answer it; tests change both
// while requests are in flight.
func (p *Proxy) count(r *http.Request) (hidden []string, fault func(*http.Request) int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total++
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
		p.watches++
	}
	p.byPath[r.Method+" "+r.URL.Path]++
	return p.hidden, p.fault
}

func (p *Proxy) inject(w http.ResponseWriter, code int) {
	p.mu.Lock()
	p.injected++
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if code == http.StatusTooManyRequests {
		// client-go honours Retry-After; one second keeps the tests short.
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(code)
	_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected by the test proxy","code":` + strconv.Itoa(code) + `}`))
}

// Hide makes the proxy answer 404 for these API paths (e.g. /apis/GROUP/VERSION).
func (p *Proxy) Hide(paths ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hidden = append(p.hidden, paths...)
}

// SetFault installs (or, with nil, removes) the fault decision: a non-zero status it returns
// for a request is answered instead of passing the request on.
func (p *Proxy) SetFault(f func(r *http.Request) int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
}

// Injected is how many requests a fault has answered so far.
func (p *Proxy) Injected() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.injected
}

// Reset zeroes the request counters and returns what they held: every request, the watches
// among them, and the requests by method and path.
func (p *Proxy) Reset() (total, watches int, byPath map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	total, watches, byPath = p.total, p.watches, p.byPath
	p.total, p.watches, p.byPath = 0, 0, map[string]int{}
	return total, watches, byPath
}
