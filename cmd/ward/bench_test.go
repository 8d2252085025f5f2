package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bench test runs 'ward bench', which starts 'ward serve' as a child
// process from os.Executable(): this test binary. With
// WARD_BENCH_TEST_SERVE set, the test binary is ward itself.
func init() {
	if os.Getenv("WARD_BENCH_TEST_SERVE") == "1" && len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
}

func TestBenchWritesJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it for a few seconds")
	}
	t.Setenv("WARD_BENCH_TEST_SERVE", "1")
	path := filepath.Join(t.TempDir(), "bench.json")
	code, stdout, stderr := runWard(t, "", "bench", "--users", "20", "--sockets", "50", "--rate", "100",
		"--duration", "3s", "--warmup", "1s", "--receipts", "delivered", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"sent/s", "send→deliver", "sign-ins", "per idle socket", "CPU per message", "load generator", "marks/s"} {
		if !strings.Contains(strings.ReplaceAll(stdout, "msgs/s", "sent/s"), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	num := func(k string) float64 {
		v, ok := got[k].(float64)
		if !ok {
			t.Errorf("%s missing or not a number: %v", k, got[k])
		}
		return v
	}
	for _, k := range []string{"sent_per_sec", "delivered_per_sec", "p50_ms", "p95_ms", "p99_ms", "login_p99_ms", "logins_per_sec"} {
		if v := num(k); v <= 0 {
			t.Errorf("%s = %v, want > 0", k, v)
		}
	}
	if v := num("connections"); v != 50 {
		t.Errorf("connections = %v, want 50", v)
	}
	if p50, p99 := num("p50_ms"), num("p99_ms"); p50 > p99 {
		t.Errorf("p50 %v > p99 %v", p50, p99)
	}
	num("bytes_per_socket") // measured; may be small or noisy, but present
	num("cpu_sec_per_message")
	if v := num("bench_cpu_sec_per_message"); v <= 0 {
		t.Errorf("bench_cpu_sec_per_message = %v, want > 0 (the load generator's CPU, the server being a child)", v)
	}
	if v := num("machine_busy"); v <= 0 || v > 1 {
		t.Errorf("machine_busy = %v, want in (0, 1]", v)
	}
	// Every user's first socket marked what it got delivered, and the
	// senders heard of it.
	if got["receipts"] != "delivered" || num("marks_per_sec") <= 0 || num("receipt_events_per_sec") <= 0 {
		t.Errorf("receipts %v: %v marks/s, %v receipt events/s", got["receipts"], got["marks_per_sec"], got["receipt_events_per_sec"])
	}
	if v, ok := got["marks_failed"]; ok {
		t.Errorf("marks_failed = %v, want none", v)
	}
	if v := num("machine_steal"); v < 0 || v > num("machine_busy") {
		t.Errorf("machine_steal = %v, want in [0, machine_busy]", v)
	}
	// This host's speed, timed before the load: a seal takes some
	// nanoseconds, a loopback round trip some microseconds.
	if v := num("host_seal_ns"); v <= 0 || v > 1e6 {
		t.Errorf("host_seal_ns = %v, want in (0, 1e6]", v)
	}
	if v := num("host_loopback_round_trip_us"); v <= 0 || v > 1e5 {
		t.Errorf("host_loopback_round_trip_us = %v, want in (0, 1e5]", v)
	}
	if got["server"] != "child" || num("failed") != 0 || num("dropped_sockets") != 0 {
		t.Errorf("server %v, failed %v, dropped %v (last error %v)", got["server"], got["failed"], got["dropped_sockets"], got["last_error"])
	}
	if d, e := num("delivered"), num("expected_deliveries"); d != e {
		t.Errorf("delivered %v of %v expected", d, e)
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--users", "1"}, "--users must be at least 2"},
		{[]string{"bench", "--group-ratio", "1.5"}, "--group-ratio"},
		{[]string{"bench", "--db", "mysql://x"}, "--db"},
		{[]string{"bench", "--target", "https://127.0.0.1:1"}, "--target needs --org"},
		{[]string{"bench", "--duration", "0s"}, "--duration must be positive"},
		{[]string{"bench", "--rate", "fast"}, "invalid value"},
		{[]string{"bench", "--receipts", "seen"}, "--receipts must be none, delivered or read"},
	} {
		code, _, stderr := runWard(t, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", tc.args, code, stderr, tc.want)
		}
	}
}
