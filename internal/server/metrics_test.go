package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/server"
)

// Finding 20: the public address does not serve /metrics; the metrics
// listener (--metrics-addr) does, and only when it is set.
func TestMetricsNotPublic(t *testing.T) {
	metricsAddr := make(chan string, 1)
	addr, stdout := started(t, server.Config{DataDir: t.TempDir(), MetricsAddr: "127.0.0.1:0",
		MetricsStarted: func(a string) { metricsAddr <- a }})
	// The public address answers /metrics with the web client's page (its
	// fallback for client-side routes), never with metrics.
	pub, err := insecureClient().Get("https://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(pub.Body)
	pub.Body.Close()
	if strings.Contains(string(page), "go_goroutines") || strings.Contains(pub.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /metrics on the public address serves metrics (%d, %s)", pub.StatusCode, pub.Header.Get("Content-Type"))
	}
	m := <-metricsAddr
	resp, err := http.Get("http://" + m + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("GET /metrics on the metrics listener: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, err := http.Get("http://" + m + "/api/v1/me"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the metrics listener answers the API: %d", resp.StatusCode)
		}
	}
	if !strings.Contains(stdout.String(), "ward metrics are served on http://"+m+"/metrics") {
		t.Errorf("the banner does not say where metrics are served:\n%s", stdout)
	}
}
