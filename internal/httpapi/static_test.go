package httpapi

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wardhealth/ward/web"
)

// TestStaticClient: the web client is served at / with the strict CSP,
// client routes fall back to index.html, hashed assets are immutable, and
// unknown API paths and other methods still answer problem+json 404.
func TestStaticClient(t *testing.T) {
	h := New(Config{})
	index, err := fs.ReadFile(web.Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := fs.ReadDir(web.Dist(), "assets")
	if err != nil || len(assets) == 0 {
		t.Fatalf("no built assets: %v", err)
	}
	asset := "/assets/" + assets[0].Name()

	do := func(method, path string) *http.Response {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec.Result()
	}
	body := func(r *http.Response) string {
		b, _ := io.ReadAll(r.Body)
		return string(b)
	}

	for _, path := range []string{"/", "/index.html", "/c/0190-abc", "/admin/devices", "/.source-hash", "/no/such/page",
		"/invite/AbcdefghijKLMNOPQRSTuvwxyz0123456789_-AB", "/outside/AbcdefghijKLMNOPQRSTuvwxyz0123456789_-AB", "/new/outside"} {
		r := do("GET", path)
		if r.StatusCode != 200 || body(r) != string(index) {
			t.Errorf("GET %s: %d, want index.html", path, r.StatusCode)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
	}
	if r := do("HEAD", "/c/x"); r.StatusCode != 200 || body(r) != "" {
		t.Errorf("HEAD /c/x: %d", r.StatusCode)
	}

	r := do("GET", asset)
	if r.StatusCode != 200 || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: %d, Cache-Control %q", asset, r.StatusCode, r.Header.Get("Cache-Control"))
	}
	if r := do("GET", "/favicon.svg"); r.StatusCode != 200 || r.Header.Get("Cache-Control") != "no-cache" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("GET /favicon.svg: %d %q %q", r.StatusCode, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}

	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/nope"}, {"GET", "/api"}, {"HEAD", "/api/v2/x"}, {"POST", "/"}, {"POST", "/c/x"},
		{"DELETE", "/index.html"}, {"GET", "/assets/gone-1234.js"},
	} {
		r := do(c.method, c.path)
		if r.StatusCode != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %q, want problem+json 404", c.method, c.path, r.StatusCode, r.Header.Get("Content-Type"))
			continue
		}
		if c.method == "HEAD" {
			continue
		}
		var p Problem
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.Code != "not_found" {
			t.Errorf("%s %s: problem %+v (%v)", c.method, c.path, p, err)
		}
	}
}

// TestRequestIDs: request ids are 24 lowercase hex digits (96 random
// bits), new each time.
func TestRequestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newRequestID()
		if len(id) != 24 || strings.Trim(id, "0123456789abcdef") != "" || seen[id] {
			t.Fatalf("request id %q: want 24 hex digits, new each time", id)
		}
		seen[id] = true
	}
}
