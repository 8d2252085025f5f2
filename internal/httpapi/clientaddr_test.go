package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/httpapi"
)

// xffLoginIPs signs in (and fails to) through srv with the given
// X-Forwarded-For, and returns the actor addresses the audit recorded for
// the attempts, in order.
func xffLoginIPs(t *testing.T, f *apptest.Fixture, srv *httptest.Server, xff []string) []string {
	t.Helper()
	for i, v := range xff {
		body := fmt.Sprintf(`{"email":"nobody%d@stmary.example","password":"wrong password","device":{"id":"xff-device-%d","name":"x"}}`, i, i)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/sessions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if v != "" {
			req.Header.Set("X-Forwarded-For", v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Now().Add(24*365*time.Hour*10), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var ips []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r struct {
			Action string `json:"action"`
			IP     string `json:"actor_ip"`
		}
		json.Unmarshal(sc.Bytes(), &r)
		if r.Action == string(audit.LoginFailed) {
			ips = append(ips, r.IP)
		}
	}
	return ips
}

// Finding 9: X-Forwarded-For names the client only when the peer is a
// trusted proxy, and then its rightmost hop that is not a trusted proxy.
func TestTrustedProxies(t *testing.T) {
	xff := []string{
		"",                                // the peer itself
		"203.0.113.5",                     // one proxy
		"198.51.100.66, 203.0.113.5",      // a forged hop on the left
		"203.0.113.5, 10.1.2.3",           // two trusted proxies in a row
		"2001:db8::7, [2001:db8::8]:4711", // IPv6 with a port
		"198.51.100.66, not-an-address, 10.9.9.9", // nonsense from a trusted proxy: stop there
	}
	t.Run("untrusted peer", func(t *testing.T) {
		f := apptest.New(t, false)
		srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}))
		t.Cleanup(srv.Close)
		for i, ip := range xffLoginIPs(t, f, srv, xff) {
			if ip != "127.0.0.1" {
				t.Errorf("attempt %d (X-Forwarded-For %q) from an untrusted peer recorded as %q, want the peer", i, xff[i], ip)
			}
		}
	})
	t.Run("trusted peer", func(t *testing.T) {
		f := apptest.New(t, false)
		srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App, TrustedProxies: []netip.Prefix{
			netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}}))
		t.Cleanup(srv.Close)
		want := []string{"127.0.0.1", "203.0.113.5", "203.0.113.5", "203.0.113.5", "2001:db8::8", "10.9.9.9"}
		got := xffLoginIPs(t, f, srv, xff)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("recorded addresses %v, want %v", got, want)
		}
	})
}

// Finding 13: a request body that trickles in is cut off at the body
// deadline instead of holding the connection open.
func TestSlowBodyTimedOut(t *testing.T) {
	f := apptest.New(t, false)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App, BodyTimeout: 500 * time.Millisecond}))
	t.Cleanup(srv.Close)
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, c) // returns once the server answers and closes
		closed <- time.Since(start)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			if d > 3*time.Second {
				t.Errorf("the slow body held the connection %v", d)
			}
			return
		case <-tick.C:
			if time.Since(start) > 5*time.Second {
				t.Fatal("a body sent a byte every 100 ms is still being read after 5 s (deadline 500 ms)")
			}
			c.Write([]byte(" ")) // errors once the server has closed; the reader reports that
		}
	}
}
