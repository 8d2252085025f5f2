package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// clusterDB returns a fresh PostgreSQL schema's URL and the NATS URL for
// the nodes of a test cluster, with one master key set for all of them.
// It skips without PostgreSQL or NATS (fails under CI).
func clusterDB(t *testing.T) (dbURL, natsURL string) {
	t.Helper()
	dbURL = storetest.PostgresURL(t)
	if c, err := net.DialTimeout("tcp", "127.0.0.1:4222", 2*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no NATS server: %v", err)
		}
		t.Skip("no NATS server on 127.0.0.1:4222")
	} else {
		c.Close()
	}
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv(keyring.EnvVar, base64.StdEncoding.EncodeToString(key))
	return dbURL, "nats://127.0.0.1:4222"
}

// seedCluster creates the org "Cluster Clinic" with clinicians named who
// (email who@cluster.example, password who+" passphrase long enough").
func seedCluster(t *testing.T, ctx context.Context, dbURL string, who ...string) {
	t.Helper()
	env, err := server.Open(ctx, server.Config{DataDir: t.TempDir(), DBURL: dbURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Cluster Clinic", AdminEmail: "owner@cluster.example", Password: "owner passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range who {
		if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: w + "@cluster.example", Name: w,
			Role: ward.RoleClinician, Password: w + " passphrase long enough"}); err != nil {
			t.Fatal(err)
		}
	}
}

// clusterLogin signs who in on the node at addr.
func clusterLogin(t *testing.T, ctx context.Context, addr, who string) (*client.Client, string) {
	t.Helper()
	c := client.New("https://"+addr, client.Options{InsecureSkipVerify: true})
	res, err := c.Login(ctx, client.LoginRequest{Email: who + "@cluster.example", Password: who + " passphrase long enough",
		Device: client.Device{ID: "cluster-" + who, Name: who}})
	if err != nil {
		t.Fatalf("login %s on %s: %v", who, addr, err)
	}
	return c, res.User.ID
}

// logBuffer collects a node's JSON log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.b.String(), s)
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// fakeClock is a clock the test moves forward, shared by the nodes.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// dbProxy forwards TCP connections to PostgreSQL until cut: then it
// closes every connection it carries and every new one at once, as a
// network that lost the database would; restore lets them through again.
type dbProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newDBProxy(t *testing.T, dbURL string) (*dbProxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *dbProxy) forward(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// cut closes every connection and refuses new ones until restore.
func (p *dbProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *dbProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// waitFor polls cond every 20 ms until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
