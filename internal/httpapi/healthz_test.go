package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/buildinfo"
	"github.com/wardhealth/ward/internal/httpapi"
)

// /healthz says which ward answers: version and commit, for support.
func TestHealthzVersion(t *testing.T) {
	f := apptest.New(t, false)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d %v", resp.StatusCode, err)
	}
	bi := buildinfo.Get()
	if body["status"] != "ok" || body["version"] != bi.Version || body["commit"] != bi.Commit || bi.Version == "" || bi.Commit == "" {
		t.Fatalf("healthz %v, want status ok, version %q, commit %q", body, bi.Version, bi.Commit)
	}
}
