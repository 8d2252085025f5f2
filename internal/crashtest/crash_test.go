package crashtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
)

// The knobs, from the environment: CRASH_CYCLES (default 3, make crashtest
// runs 50) and CRASH_SEED (default: random, printed, to replay a run).
func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

const (
	orgName      = "Crash Clinic"
	orgSlug      = "crash-clinic"
	password     = "crash test passphrase for everyone"
	sendersEach  = 4                // goroutines sending per user
	startTimeout = 2 * time.Minute  // a bound against hangs, not a timing assertion
	callTimeout  = 60 * time.Second // the same, per request
	shortRun     = 2500 * time.Millisecond
	longRun      = 8 * time.Second // every 5th cycle outlives the 5 s audit sealer tick
)

// sent is one send as the test made it.
type sent struct {
	user     int // 0: alice, 1: bob
	clientID string
	body     string
	seq      int64  // when acknowledged
	id       string // when acknowledged
}

// ledger is what the test knows about every send.
type ledger struct {
	mu      sync.Mutex
	acked   map[string]sent  // client_id → acknowledged send
	pending map[string]sent  // sent, no answer (in flight at the kill)
	fresh   []string         // acknowledged since the last check
	seen    map[string]int64 // client_id → seq, for every message found so far
	lastSeq int64            // every seq up to this was checked
	landed  int              // unacknowledged sends found stored anyway
	dups    int              // duplicates found (each also fails the test)
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ward binary")
	}
	cycles := int(envInt("CRASH_CYCLES", 3))
	seed := uint64(envInt("CRASH_SEED", int64(rand.Uint32())))
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	t.Logf("crash test: %d cycles, CRASH_SEED=%d", cycles, seed)

	dir := t.TempDir()
	bin := buildWard(t, dir)
	data := filepath.Join(dir, "data")
	logPath := filepath.Join(dir, "server.log")
	w := &ward{t: t, bin: bin, data: data, log: logPath}
	w.cmd(t, password+"\n", "init", "--data", data, "--org", orgName, "--admin", "owner@crash.example", "--password-stdin", "--mfa", "optional")
	emails := []string{"alice@crash.example", "bob@crash.example"}
	for i, e := range emails {
		w.cmd(t, password+"\n", "user", "add", "--data", data, "--org", orgSlug, "--email", e,
			"--name", []string{"Alice", "Bob"}[i], "--role", "clinician", "--password-stdin")
	}
	defer func() {
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("server log (last 4 KiB):\n%s", tail(b, 4<<10))
			}
		}
	}()

	l := &ledger{acked: map[string]sent{}, pending: map[string]sent{}, seen: map[string]int64{}}
	var tokens [2]string
	var conv string
	ctx := context.Background()
	for cycle := range cycles + 1 {
		final := cycle == cycles
		srv := w.start(t)
		clients := [2]*client.Client{}
		for i := range clients {
			clients[i] = client.New(srv.base, client.Options{InsecureSkipVerify: true})
			if tokens[i] == "" {
				res, err := clients[i].Login(ctx, client.LoginRequest{Email: emails[i], Password: password,
					Device: client.Device{ID: fmt.Sprintf("crash-device-%d", i), Name: "crash test"}})
				if err != nil {
					srv.kill()
					t.Fatalf("login %s: %v", emails[i], err)
				}
				tokens[i] = res.Token
			}
			clients[i].SetToken(tokens[i])
		}
		if conv == "" {
			bob, err := clients[1].Me(ctx)
			if err != nil {
				srv.kill()
				t.Fatal(err)
			}
			c, err := clients[0].CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{bob.User.ID}})
			if err != nil {
				srv.kill()
				t.Fatal(err)
			}
			conv = c.ID
		}

		// After the restart: everything acknowledged so far is there, once.
		l.check(t, clients[0], conv)
		// Retries of the sends that got no answer make one message each.
		l.retry(t, clients, conv)
		if final {
			// One more check covers the retries, then a full listing from the
			// start; then a graceful stop seals the audit chain to its end.
			l.check(t, clients[0], conv)
			l.fullCheck(t, clients[0], conv)
			srv.stop(t)
			out := w.cmd(t, "", "audit", "verify", "--data", data)
			if !strings.Contains(out, " 0 unsealed") {
				t.Errorf("after a graceful stop the audit chain should be sealed to its end: %s", out)
			}
			t.Logf("audit after the graceful stop: %s", strings.TrimSpace(out))
			break
		}

		// Send at full speed from several goroutines, kill -9 at a random moment.
		run := time.Duration(200+rng.IntN(int(shortRun/time.Millisecond)-200)) * time.Millisecond
		if cycle%5 == 4 {
			run = 5*time.Second + time.Duration(rng.IntN(int(longRun/time.Millisecond)-5000))*time.Millisecond
		}
		before := len(l.acked)
		var wg sync.WaitGroup
		var stop atomic.Bool
		for u := range 2 {
			for g := range sendersEach {
				wg.Go(func() { l.drive(t, clients[u], u, conv, fmt.Sprintf("c%d-u%d-g%d", cycle, u, g), &stop) })
			}
		}
		time.Sleep(run)
		srv.kill() // SIGKILL
		stop.Store(true)
		wg.Wait()

		// The chain as the crash left it verifies (what was sealed).
		out := w.cmd(t, "", "audit", "verify", "--data", data)
		l.mu.Lock()
		t.Logf("cycle %d: killed after %v; %d acknowledged this cycle (%d in all), %d in flight; %s",
			cycle+1, run.Round(time.Millisecond), len(l.acked)-before, len(l.acked), len(l.pending), strings.TrimSpace(out))
		l.mu.Unlock()
		if t.Failed() {
			break
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("crash test result: %d cycles, %d acknowledged, %d found, lost=%d, duplicated=%d, %d unacknowledged sends stored anyway (retries answered with them)",
		cycles, len(l.acked), len(l.seen), lost(l), l.dups, l.landed)
}

func lost(l *ledger) int {
	n := 0
	for cid := range l.acked {
		if _, ok := l.seen[cid]; !ok {
			n++
		}
	}
	return n
}

// drive sends until stop or its first failure (the kill).
func (l *ledger) drive(t *testing.T, c *client.Client, user int, conv, prefix string, stop *atomic.Bool) {
	for n := 0; !stop.Load(); n++ {
		s := sent{user: user, clientID: fmt.Sprintf("%s-%d", prefix, n)}
		s.body = fmt.Sprintf("crash body %s %016x", s.clientID, rand.Uint64())
		l.mu.Lock()
		l.pending[s.clientID] = s
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		m, err := c.Send(ctx, conv, client.SendRequest{ClientID: s.clientID, Body: s.body})
		cancel()
		if err != nil {
			var pe *client.Error
			if errors.As(err, &pe) {
				t.Errorf("send %s: the server refused it: %v", s.clientID, err)
			}
			return // the server is gone: this send stays pending
		}
		l.ack(t, s, m)
	}
}

func (l *ledger) ack(t *testing.T, s sent, m *client.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.ClientID != s.clientID || m.Body != s.body || m.Seq <= 0 || m.ID == "" {
		t.Errorf("send %s answered %+v", s.clientID, m)
	}
	delete(l.pending, s.clientID)
	s.seq, s.id = m.Seq, m.ID
	if prev, ok := l.acked[s.clientID]; ok && (prev.seq != s.seq || prev.id != s.id) {
		t.Errorf("client_id %s acknowledged twice as different messages: seq %d and %d", s.clientID, prev.seq, s.seq)
	}
	l.acked[s.clientID] = s
	l.fresh = append(l.fresh, s.clientID)
}

// check lists the conversation after the last checked seq: seqs follow on
// with no gap, no client_id appears twice, each acknowledged message is
// there with its seq, id and body (decrypted), and nothing unknown is.
func (l *ledger) check(t *testing.T, c *client.Client, conv string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*callTimeout)
	defer cancel()
	for {
		page, err := c.Messages(ctx, conv, l.lastSeq, 200)
		if err != nil {
			t.Fatalf("list after %d: %v", l.lastSeq, err)
		}
		for _, m := range page {
			l.checkOne(t, m)
		}
		if len(page) < 200 {
			break
		}
	}
	for _, cid := range l.fresh {
		if _, ok := l.seen[cid]; !ok {
			t.Errorf("LOST: acknowledged message %s (seq %d) is not stored", cid, l.acked[cid].seq)
		}
	}
	l.fresh = l.fresh[:0]
}

func (l *ledger) checkOne(t *testing.T, m client.Message) {
	t.Helper()
	if m.Seq != l.lastSeq+1 {
		t.Errorf("seq %d follows %d: a gap or a repeat", m.Seq, l.lastSeq)
	}
	l.lastSeq = max(l.lastSeq, m.Seq)
	if prev, ok := l.seen[m.ClientID]; ok {
		l.dups++
		t.Errorf("DUPLICATE: client_id %s stored at seq %d and %d", m.ClientID, prev, m.Seq)
		return
	}
	l.seen[m.ClientID] = m.Seq
	if a, ok := l.acked[m.ClientID]; ok {
		if a.seq != m.Seq || a.id != m.ID || a.body != m.Body {
			t.Errorf("message %s: stored seq %d id %s body %q; acknowledged seq %d id %s body %q",
				m.ClientID, m.Seq, m.ID, m.Body, a.seq, a.id, a.body)
		}
		return
	}
	if p, ok := l.pending[m.ClientID]; ok {
		l.landed++ // in flight at the kill, committed anyway: allowed
		if p.body != m.Body {
			t.Errorf("message %s: stored body %q, sent %q", m.ClientID, m.Body, p.body)
		}
		return
	}
	t.Errorf("message %s (seq %d) was never sent by this test", m.ClientID, m.Seq)
}

// fullCheck lists the whole conversation from the start once more.
func (l *ledger) fullCheck(t *testing.T, c *client.Client, conv string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*callTimeout)
	defer cancel()
	found := map[string]bool{}
	var last int64
	for {
		page, err := c.Messages(ctx, conv, last, 200)
		if err != nil {
			t.Fatalf("list after %d: %v", last, err)
		}
		for _, m := range page {
			if m.Seq != last+1 {
				t.Errorf("full listing: seq %d follows %d", m.Seq, last)
			}
			last = m.Seq
			if found[m.ClientID] {
				t.Errorf("full listing: client_id %s twice", m.ClientID)
			}
			found[m.ClientID] = true
			if a, ok := l.acked[m.ClientID]; ok && (a.seq != m.Seq || a.body != m.Body) {
				t.Errorf("full listing: message %s differs from what was acknowledged", m.ClientID)
			}
		}
		if len(page) < 200 {
			break
		}
	}
	for cid := range l.acked {
		if !found[cid] {
			t.Errorf("full listing: acknowledged %s missing", cid)
		}
	}
	if last != l.lastSeq || len(found) != len(l.seen) {
		t.Errorf("full listing: %d messages up to seq %d; the cycles saw %d up to %d", len(found), last, len(l.seen), l.lastSeq)
	}
}

// retry resends every send that got no answer, with its client_id and
// body: the answer is the stored message when it landed, a new one when it
// did not; either way one message. It also resends a few acknowledged ones.
func (l *ledger) retry(t *testing.T, clients [2]*client.Client, conv string) {
	t.Helper()
	l.mu.Lock()
	todo := make([]sent, 0, len(l.pending)+3)
	for _, s := range l.pending {
		todo = append(todo, s)
	}
	n := 0
	for _, s := range l.acked { // map order: a random few
		if n == 3 {
			break
		}
		todo = append(todo, s)
		n++
	}
	l.mu.Unlock()
	for _, s := range todo {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		m, err := clients[s.user].Send(ctx, conv, client.SendRequest{ClientID: s.clientID, Body: s.body})
		cancel()
		if err != nil {
			t.Errorf("retry of %s: %v", s.clientID, err)
			continue
		}
		l.mu.Lock()
		if seq, ok := l.seen[s.clientID]; ok && seq != m.Seq {
			t.Errorf("DUPLICATE: retry of %s (stored at seq %d) made seq %d", s.clientID, seq, m.Seq)
			l.dups++
		}
		l.mu.Unlock()
		l.ack(t, s, m)
	}
}

// ward runs the binary on one data dir.
type ward struct {
	t              *testing.T
	bin, data, log string
}

func buildWard(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ward")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/wardhealth/ward/cmd/ward")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cmd runs one ward command to its end and returns its stdout; a non-zero
// exit fails the test.
func (w *ward) cmd(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, w.bin, args...)
	c.Env = cleanEnv()
	c.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("ward %s: %v\nstdout: %s\nstderr: %s", strings.Join(args[:2], " "), err, out.String(), errb.String())
	}
	return out.String()
}

// server is one running ward serve.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// start runs ward serve on a free loopback port and waits for its banner.
func (w *ward) start(t *testing.T) *server {
	t.Helper()
	logf, err := os.OpenFile(w.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	// --send-rate 0: the test's two users send as fast as the server takes them.
	c := exec.Command(w.bin, "serve", "--data", w.data, "--addr", "127.0.0.1:0", "--send-rate", "0")
	c.Env = cleanEnv()
	c.Stderr = logf
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: c, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "ward is serving on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				urls <- u
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { c.Wait(); logf.Close(); close(s.done) }()
	t.Cleanup(s.kill)
	select {
	case s.base = <-urls:
	case <-s.done:
		t.Fatalf("ward serve exited before serving: %v", c.ProcessState)
	case <-time.After(startTimeout):
		s.kill()
		t.Fatal("ward serve did not start")
	}
	return s
}

// kill ends the server with SIGKILL and waits for it.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop ends the server gracefully (SIGTERM) and waits for it.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(startTimeout):
		s.kill()
		t.Fatal("ward serve did not stop on SIGTERM")
	}
	if !s.cmd.ProcessState.Success() {
		t.Errorf("ward serve exited with %v after SIGTERM", s.cmd.ProcessState)
	}
}

// cleanEnv is the environment without WARD_* settings from outside.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WARD_") {
			env = append(env, kv)
		}
	}
	return env
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
