package httpapi

import (
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wardhealth/ward/web"
)

// TestWebManifest: the client is installable. /manifest.webmanifest answers
// application/manifest+json with a name, a start URL, standalone display,
// a theme colour and PNG icons of 192 and 512 px that are served; index.html
// links it; the CSP allows it (manifest-src 'self').
func TestWebManifest(t *testing.T) {
	h := New(Config{})
	get := func(path string) (*httptest.ResponseRecorder, []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		b, _ := io.ReadAll(rec.Result().Body)
		return rec, b
	}
	rec, body := get("/manifest.webmanifest")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("GET /manifest.webmanifest: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "manifest-src 'self'") {
		t.Errorf("CSP %q lacks manifest-src 'self'", csp)
	}
	var m struct {
		Name, ShortName, StartURL, Scope, Display, ThemeColor, BackgroundColor string
		Icons                                                                  []struct{ Src, Sizes, Type, Purpose string }
	}
	// The manifest's keys are snake_case.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	for k, dst := range map[string]*string{"name": &m.Name, "short_name": &m.ShortName, "start_url": &m.StartURL, "scope": &m.Scope,
		"display": &m.Display, "theme_color": &m.ThemeColor, "background_color": &m.BackgroundColor} {
		json.Unmarshal(raw[k], dst)
	}
	json.Unmarshal(raw["icons"], &m.Icons)
	if m.Name == "" || m.ShortName == "" || m.StartURL != "/" || m.Scope != "/" || m.Display != "standalone" || !strings.HasPrefix(m.ThemeColor, "#") {
		t.Errorf("manifest %+v", m)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		rec, b := get(ic.Src)
		if rec.Code != 200 || ic.Type != "image/png" || rec.Header().Get("Content-Type") != "image/png" {
			t.Errorf("icon %s: %d %q", ic.Src, rec.Code, rec.Header().Get("Content-Type"))
			continue
		}
		cfg, err := png.DecodeConfig(strings.NewReader(string(b)))
		if err != nil || fmt.Sprintf("%dx%d", cfg.Width, cfg.Height) != ic.Sizes {
			t.Errorf("icon %s: %v, %dx%d, declared %s", ic.Src, err, cfg.Width, cfg.Height, ic.Sizes)
		}
		sizes[ic.Sizes] = true
	}
	if !sizes["192x192"] || !sizes["512x512"] {
		t.Errorf("icon sizes %v, want 192x192 and 512x512", sizes)
	}
	index, _ := fs.ReadFile(web.Dist(), "index.html")
	for _, want := range []string{`<link rel="manifest" href="/manifest.webmanifest"`, `<meta name="theme-color" content="` + m.ThemeColor + `"`} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}
