package apiproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/client-go/rest"
)

// The bench's request counts and the e2e fault tests both rest on this behaviour, and the bench
// cannot run without a cluster of its own.
func TestCountsHidesAndInjects(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "upstream") }))
	t.Cleanup(upstream.Close)
	p := New(t, &rest.Config{Host: upstream.URL})
	get := func(path string) int {
		t.Helper()
		res, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}

	if code := get("/api/v1/nodes"); code != http.StatusOK {
		t.Errorf("passed through: %d", code)
	}
	get("/api/v1/nodes?watch=true")
	get("/api/v1/pods?watch=1")
	total, watches, byPath := p.Reset()
	if total != 3 || watches != 2 || byPath["GET /api/v1/nodes"] != 2 || byPath["GET /api/v1/pods"] != 1 {
		t.Errorf("counted %d requests, %d watches, %v", total, watches, byPath)
	}
	if total, _, _ := p.Reset(); total != 0 {
		t.Errorf("Reset left %d requests", total)
	}

	p.Hide("/apis/nodemaintenance.medik8s.io")
	if code := get("/apis/nodemaintenance.medik8s.io/v1beta1"); code != http.StatusNotFound {
		t.Errorf("hidden API: %d", code)
	}
	if code := get("/apis/nodemaintenance.medik8s.io-other"); code != http.StatusOK {
		t.Errorf("a path that only starts like a hidden one: %d", code)
	}

	p.SetFault(func(r *http.Request) int {
		if r.URL.Path == "/api/v1/nodes" {
			return http.StatusTooManyRequests
		}
		return 0
	})
	if code := get("/api/v1/nodes"); code != http.StatusTooManyRequests {
		t.Errorf("injected: %d", code)
	}
	get("/api/v1/pods")
	if p.Injected() != 1 {
		t.Errorf("injected %d, want 1", p.Injected())
	}
	p.SetFault(nil)
	if code := get("/api/v1/nodes"); code != http.StatusOK || p.Injected() != 1 {
		t.Errorf("after removing the fault: %d, injected %d", code, p.Injected())
	}
}
