package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// started runs ward with cfg until the test ends and returns its address.
func started(t *testing.T, cfg server.Config) (addr string, stdout *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	stdout = new(bytes.Buffer)
	cfg.Stdout = &lockedWriter{w: stdout}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	cfg.Started = func(a string) { addrc <- a }
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return addr, stdout
}

type lockedWriter struct{ w io.Writer }

func (l *lockedWriter) Write(p []byte) (int, error) { return l.w.Write(p) }

func insecureClient() *http.Client {
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := insecureClient().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestServeHTTPSOnSQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr, _ := started(t, server.Config{DataDir: dir})

	for _, path := range []string{"/healthz", "/readyz"} {
		resp := get(t, "https://"+addr+path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		for _, h := range []string{"Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("GET %s: no %s header", path, h)
			}
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("CSP lacks frame-ancestors 'none'")
		}
	}
	resp := get(t, "https://"+addr+"/api/v1/no/such/thing")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown path: %d %s, want 404 problem+json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := os.Stat(filepath.Join(dir, "ward.db")); err != nil {
		t.Errorf("no SQLite database in the data dir: %v", err)
	}
}

func TestTLSVersions(t *testing.T) {
	addr, _ := started(t, server.Config{DataDir: t.TempDir()})
	for _, tc := range []struct {
		name    string
		version uint16
		ok      bool
	}{
		{"TLS 1.0", tls.VersionTLS10, false},
		{"TLS 1.1", tls.VersionTLS11, false},
		{"TLS 1.2", tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, true},
	} {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{
			InsecureSkipVerify: true, MinVersion: tc.version, MaxVersion: tc.version,
		})
		if (err == nil) != tc.ok {
			t.Errorf("%s: handshake error %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err == nil {
			if got := conn.ConnectionState().Version; got != tc.version {
				t.Errorf("%s: negotiated %x", tc.name, got)
			}
			conn.Close()
		}
	}
	// Plain HTTP on the TLS port is refused.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was served on the TLS port")
		}
	}
}

func TestSecondStartReusesData(t *testing.T) {
	dir := t.TempDir()
	fp := func() string {
		t.Helper()
		var out string
		t.Run("start", func(t *testing.T) {
			_, stdout := started(t, server.Config{DataDir: dir})
			out = stdout.String()
		})
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "TLS certificate SHA-256 fingerprint: ") {
				return line
			}
		}
		t.Fatalf("no fingerprint printed in %q", out)
		return ""
	}
	first := fp()
	dbBefore, err := os.Stat(filepath.Join(dir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	if second := fp(); second != first {
		t.Errorf("certificate changed between starts: %q then %q", first, second)
	}
	dbAfter, err := os.Stat(filepath.Join(dir, "ward.db"))
	if err != nil || !os.SameFile(dbBefore, dbAfter) {
		t.Errorf("the database file was replaced: %v", err)
	}
}

func TestServePostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	addr, stdout := started(t, server.Config{DataDir: t.TempDir(), DBURL: url})
	if resp := get(t, "https://"+addr+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("readyz on PostgreSQL: %d", resp.StatusCode)
	}
	if !strings.Contains(stdout.String(), "database: postgres") {
		t.Errorf("banner does not name PostgreSQL: %q", stdout.String())
	}
}

func TestInsecureBehindProxy(t *testing.T) {
	addr, stdout := started(t, server.Config{DataDir: t.TempDir(), InsecureBehindTLSProxy: true})
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("plain HTTP with --insecure-behind-tls-proxy: %d", resp.StatusCode)
	}
	if !strings.Contains(stdout.String(), "INSECURE") {
		t.Errorf("no loud warning: %q", stdout.String())
	}
}

// snapshot is every file below dir with its mode and content hash.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, _ := d.Info()
		entry := info.Mode().String()
		if !d.IsDir() {
			b, _ := os.ReadFile(path)
			entry += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		m[path] = entry
		return nil
	})
	return m
}

func TestBadStartsChangeNothing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	// A data dir that already served once, to check nothing in it changes.
	used := t.TempDir()
	t.Run("first start", func(t *testing.T) { started(t, server.Config{DataDir: used}) })

	corrupt := t.TempDir()
	os.MkdirAll(filepath.Join(corrupt, "tls"), 0o700)
	os.WriteFile(filepath.Join(corrupt, "tls", "cert.pem"), []byte("-----BEGIN CERTIFICATE-----\nnot a cert\n"), 0o644)
	os.WriteFile(filepath.Join(corrupt, "tls", "key.pem"), []byte("junk"), 0o600)

	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o600)

	for _, tc := range []struct {
		name string
		cfg  server.Config
		want string
	}{
		{"port in use", server.Config{DataDir: used, Addr: busy.Addr().String()}, "cannot listen"},
		{"bad db URL", server.Config{DataDir: used, DBURL: "mysql://x"}, "database URL"},
		{"unreachable postgres", server.Config{DataDir: used, DBURL: "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, "database does not answer"},
		{"corrupt certificate", server.Config{DataDir: corrupt}, "TLS certificate"},
		{"cert without key", server.Config{DataDir: used, TLSCert: filepath.Join(used, "tls", "cert.pem")}, "go together"},
		{"data dir is a file", server.Config{DataDir: notDir}, "not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.cfg.DataDir
			before := snapshot(t, dir)
			if tc.cfg.Addr == "" {
				tc.cfg.Addr = "127.0.0.1:0"
			}
			tc.cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
			err := server.Run(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want an error containing %q", err, tc.want)
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("data dir changed (-before +after):\n%s", diff)
			}
		})
	}
}
