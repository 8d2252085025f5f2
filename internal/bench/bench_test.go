package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestHistQuantiles(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d < -0.02 || d > 0.02 {
			t.Errorf("q%v = %v, want %v ± 2 %%", tc.q, got, tc.want)
		}
	}
	var empty hist
	if empty.quantile(0.99) != 0 {
		t.Error("empty histogram")
	}
}

func TestClientIDRoundTrip(t *testing.T) {
	id := clientID(17, 123456789, 42)
	data := []byte(`{"id":"x","client_id":"` + id + `","body":"b"}`)
	s, at, ok := parseClientID(data)
	if !ok || s != 17 || at != 123456789 {
		t.Fatalf("parse %s: %d %d %v", id, s, at, ok)
	}
	if _, _, ok := parseClientID([]byte(`{"client_id":"someone-else"}`)); ok {
		t.Error("a foreign client id parsed")
	}
	// Ids sort by send time, whoever sends them.
	if a, b := clientID(900, 99_999, 1), clientID(3, 100_000, 2); a >= b {
		t.Errorf("%s sorts after %s, sent later", a, b)
	}
}

// TestRunInProcess runs a tiny benchmark with the server in this process.
func TestRunInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it for a few seconds")
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	prof, trc := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "run.trace")
	res, err := Run(ctx, Config{Users: 10, Sockets: 30, Rate: 50, GroupSize: 4, GroupRatio: 0.5,
		Duration: 2 * time.Second, Warmup: 500 * time.Millisecond, Out: &out, CPUProfile: prof, Trace: trc})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, f := range []string{prof, trc} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v, %d bytes", f, err, fileSize(fi))
		}
	}
	if res.Server != "in-process" || !res.IncludesClient || res.Connections != 30 || res.Logins != 10 {
		t.Errorf("result %+v", res)
	}
	if res.Sent == 0 || res.Delivered != res.ExpectedDeliveries || res.Failed != 0 || res.P99 <= 0 || res.P50 > res.P99 {
		t.Errorf("sent %d, delivered %d of %d, failed %d (%s), p50 %v p99 %v\n%s",
			res.Sent, res.Delivered, res.ExpectedDeliveries, res.Failed, res.LastError, res.P50, res.P99, out.String())
	}
	if res.Frames < res.Delivered {
		t.Errorf("frames %d < delivered %d", res.Frames, res.Delivered)
	}
	// The heap figures come from the server's metrics listener.
	if !res.HeapSettled {
		t.Errorf("the server's heap was not read from its metrics listener (heap_settled false)\n%s", out.String())
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Users: 1},
		{GroupRatio: 2},
		{GroupSize: 500},
		{Target: "ftp://x"},
		{Target: "https://x:1"},
		{Target: "https://x:1", Org: "o", AdminEmail: "a", AdminPassword: "p", DBURL: "postgres://x"},
		{DBURL: "sqlite://x"},
		{Nodes: -1},
		{Nodes: 2},                        // SQLite
		{Nodes: 2, DBURL: "postgres://x"}, // no NATS
		{Nodes: 2, NATSURL: "nats://x", Target: "https://x:1"}, // not a started server
	} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if err := (Config{Nodes: 2, DBURL: "postgres://x", NATSURL: "nats://x"}).Validate(); err != nil {
		t.Errorf("two nodes: %v", err)
	}
}

// Runs on PostgreSQL each work in a schema of their own and drop it, so a
// second run on the same database starts clean too (the first run's org is
// sealed under a master key that went with its temporary data dir).
func TestRunTwiceOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server twice")
	}
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skipf("%s not set", storetest.PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	defer func(p string) { schemaPrefix = p }(schemaPrefix)
	schemaPrefix = fmt.Sprintf("ward_bench_t%d_", time.Now().UnixNano()%1e9) // only this test's runs count
	for i := range 2 {
		var out bytes.Buffer
		res, err := Run(ctx, Config{DBURL: base, Users: 4, Sockets: 4, Rate: 20, GroupSize: 3,
			Duration: time.Second, Warmup: 200 * time.Millisecond, Out: &out})
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		if res.Database != "postgres" || res.Sent == 0 || res.Failed != 0 {
			t.Fatalf("run %d: %+v\n%s", i+1, res, out.String())
		}
		// The database runs on this host (loopback): its CPU is read too.
		if u, _ := url.Parse(base); u != nil && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost") &&
			(res.DatabaseCPUPerMessage <= 0 || !strings.Contains(out.String(), "PostgreSQL's processes on this host")) {
			t.Errorf("run %d: database CPU per message %v on a local PostgreSQL, want > 0\n%s", i+1, res.DatabaseCPUPerMessage, out.String())
		}
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE $1", schemaPrefix+"%").Scan(&left); err != nil || left != 0 {
		t.Errorf("%d bench schemas left behind (%v)", left, err)
	}
}

func fileSize(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}
