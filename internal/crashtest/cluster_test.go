package crashtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// Issue 26, show 4: two real ward processes on one PostgreSQL database and
// one NATS server, behind a round-robin TCP proxy. Clients send a burst
// over WebSockets through the proxy; one node is killed with SIGKILL in
// the middle of it. Its clients reconnect through the proxy to the other
// node, resend what got no answer (same client_id) and go on; afterwards
// every acknowledged message is stored once, with its seq, and the
// receiving user catches up from the last seq its sockets saw.
func TestClusterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ward binary")
	}
	cw, dir, setup := newCluster(t)
	dbURL := cw.db
	emails := clusterEmails
	nodes := []*clusterNode{cw.start(filepath.Join(dir, "node-a"), "node-a"), cw.start(filepath.Join(dir, "node-b"), "node-b")}
	defer logsOnFailure(t, nodes...)
	proxy := newRRProxy(t, nodes[0].addr, nodes[1].addr)
	base := "https://" + proxy.addr()

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	users := make([]*client.Client, 2)
	ids := make([]string, 2)
	for i, e := range emails {
		users[i] = client.New(base, client.Options{InsecureSkipVerify: true})
		res, err := users[i].Login(ctx, client.LoginRequest{Email: e, Password: password,
			Device: client.Device{ID: fmt.Sprintf("cluster-device-%d", i), Name: "cluster test"}})
		if err != nil {
			t.Fatalf("login %s through the proxy: %v", e, err)
		}
		ids[i] = res.User.ID
	}
	conv, err := users[0].CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{ids[1]}})
	if err != nil {
		t.Fatal(err)
	}

	l := &ledger{acked: map[string]sent{}, pending: map[string]sent{}, seen: map[string]int64{}}
	live := &liveSeqs{seqs: map[int64]bool{}}
	var stop atomic.Bool
	var reconnects, afterKill atomic.Int64
	var killed atomic.Bool
	var wg sync.WaitGroup
	const socketsEach = 3
	for u := range 2 {
		for g := range socketsEach {
			wg.Go(func() {
				s := &socketSender{t: t, c: users[u], user: u, conv: conv.ID, prefix: fmt.Sprintf("u%d-s%d", u, g), l: l,
					live: live, receiver: u == 1}
				s.run(ctx, &stop, &reconnects, &killed, &afterKill)
			})
		}
	}
	// Let the burst run on both nodes (700 ms, and 100 sends acknowledged
	// at least), then kill the one with the most sockets open through the
	// proxy.
	burstStart := time.Now()
	for time.Since(burstStart) < 700*time.Millisecond || l.count() < 100 && time.Since(burstStart) < 15*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	victim, survivor := nodes[0], nodes[1]
	if proxy.open(nodes[1].addr) > proxy.open(nodes[0].addr) {
		victim, survivor = survivor, victim
	}
	l.mu.Lock()
	before := len(l.acked)
	l.mu.Unlock()
	t.Logf("killing %s (%d connections through the proxy; %s has %d) after %d acknowledged sends",
		victim.id, proxy.open(victim.addr), survivor.id, proxy.open(survivor.addr), before)
	victim.kill()
	killed.Store(true)
	killedAt := time.Now()
	// The burst goes on through the survivor; every sender must get going
	// again there.
	for afterKill.Load() < 200 && time.Since(killedAt) < 20*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if afterKill.Load() < 200 {
		t.Fatalf("only %d sends acknowledged after the kill, in %v", afterKill.Load(), time.Since(killedAt).Round(time.Millisecond))
	}
	if reconnects.Load() == 0 {
		t.Error("no socket had to reconnect: the killed node served none")
	}

	// Bob catches up over REST through the proxy (now the survivor) from the
	// highest seq up to which his sockets saw every message live.
	from := live.contiguous()
	caught := 0
	after := from
	for {
		page, err := users[1].Messages(ctx, conv.ID, after, 200)
		if err != nil {
			t.Fatalf("catch-up after seq %d: %v", after, err)
		}
		caught += len(page)
		for _, m := range page {
			after = m.Seq
		}
		if len(page) < 200 {
			break
		}
	}
	// Then the whole conversation from its start: every acknowledged
	// message there once, with the seq and body it was acknowledged with,
	// and seqs with no gap.
	l.check(t, users[1], conv.ID)
	l.mu.Lock()
	acked, found, landed, dups := len(l.acked), len(l.seen), l.landed, l.dups
	lostN := lost(l)
	l.mu.Unlock()
	t.Logf("cluster kill -9: %d acknowledged (%d before the kill, %d after it), %d stored, lost=%d, duplicated=%d, "+
		"%d unacknowledged sends stored anyway; %d socket reconnects; bob saw seqs 1..%d live and caught up %d more over REST",
		acked, before, afterKill.Load(), found, lostN, dups, landed, reconnects.Load(), from, caught)
	if lostN > 0 {
		t.Errorf("%d acknowledged messages lost", lostN)
	}

	// The survivor, stopped gracefully, seals the audit chain to its end,
	// the killed node's events included.
	survivor.stop(t)
	out := cw.cmd("", "audit", "verify", "--data", setup, "--db", dbURL)
	if !strings.Contains(out, " 0 unsealed") {
		t.Errorf("after the survivor's graceful stop the audit chain should be sealed to its end: %s", out)
	}
}

// clusterEmails are the two clinicians newCluster adds.
var clusterEmails = []string{"alice@crash.example", "bob@crash.example"}

// newCluster builds the binary and sets up an org with two clinicians
// (clusterEmails) on a PostgreSQL database of its own, for nodes on NATS
// at 127.0.0.1:4222; it returns the cluster, its folder and the setup
// data dir (the key is in the environment). It skips without PostgreSQL
// or NATS, except under CI.
func newCluster(t *testing.T, env ...string) (*clusterWard, string, string) {
	t.Helper()
	dbURL := storetest.PostgresURL(t) // skips without WARD_TEST_POSTGRES (fails under CI)
	const natsAddr = "127.0.0.1:4222"
	if c, err := net.DialTimeout("tcp", natsAddr, 2*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no NATS server: %v", err)
		}
		t.Skip("no NATS server on " + natsAddr)
	} else {
		c.Close()
	}
	key := make([]byte, 32)
	rand.Read(key)
	dir := t.TempDir()
	cw := &clusterWard{t: t, bin: buildWard(t, dir), db: dbURL, nats: "nats://" + natsAddr,
		env: append(append(cleanEnv(), keyring.EnvVar+"="+base64.StdEncoding.EncodeToString(key)), env...)}
	setup := filepath.Join(dir, "setup")
	cw.cmd(password+"\n", "init", "--data", setup, "--db", dbURL, "--org", orgName, "--admin", "owner@crash.example",
		"--password-stdin", "--mfa", "optional")
	for i, e := range clusterEmails {
		cw.cmd(password+"\n", "user", "add", "--data", setup, "--db", dbURL, "--org", orgSlug, "--email", e,
			"--name", []string{"Alice", "Bob"}[i], "--role", "clinician", "--password-stdin")
	}
	return cw, dir, setup
}

// logsOnFailure logs the end of each node's log if the test failed.
func logsOnFailure(t *testing.T, nodes ...*clusterNode) {
	if !t.Failed() {
		return
	}
	for _, n := range nodes {
		if b, err := os.ReadFile(n.log); err == nil {
			t.Logf("%s log (last 3 KiB):\n%s", n.id, tail(b, 3<<10))
		}
	}
}

// count is how many sends were acknowledged.
func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// liveSeqs are the seqs of the conversation the receiver's sockets saw.
type liveSeqs struct {
	mu   sync.Mutex
	seqs map[int64]bool
}

func (l *liveSeqs) add(seq int64) {
	l.mu.Lock()
	l.seqs[seq] = true
	l.mu.Unlock()
}

// contiguous is the highest seq up to which every seq was seen.
func (l *liveSeqs) contiguous() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for l.seqs[n+1] {
		n++
	}
	return n
}

// socketSender sends over one WebSocket through the proxy; when the socket
// dies (its node was killed) it dials again, through the proxy, and resends
// the send that got no answer, with its client_id, before going on.
type socketSender struct {
	t        *testing.T
	c        *client.Client
	user     int
	conv     string
	prefix   string
	l        *ledger
	live     *liveSeqs
	receiver bool // record the message events the socket gets
}

func (s *socketSender) run(ctx context.Context, stop *atomic.Bool, reconnects *atomic.Int64, killed *atomic.Bool, afterKill *atomic.Int64) {
	var sock *client.Socket
	defer func() {
		if sock != nil {
			sock.Close()
		}
	}()
	var retry *sent
	for n := 0; !stop.Load() && ctx.Err() == nil; {
		if sock == nil {
			var err error
			if sock, err = s.c.Dial(ctx); err != nil {
				time.Sleep(20 * time.Millisecond) // the proxy may still be handing out the dead node
				continue
			}
			go s.read(sock)
		}
		var x sent
		if retry != nil {
			x = *retry
		} else {
			x = sent{user: s.user, clientID: fmt.Sprintf("%s-%d", s.prefix, n)}
			x.body = fmt.Sprintf("cluster body %s", x.clientID)
			n++
			s.l.mu.Lock()
			s.l.pending[x.clientID] = x
			s.l.mu.Unlock()
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		m, err := sock.Send(sctx, s.conv, client.SendRequest{ClientID: x.clientID, Body: x.body})
		cancel()
		if err != nil {
			var pe *client.Error
			if errors.As(err, &pe) {
				s.t.Errorf("send %s: the server refused it: %v", x.clientID, err)
				return
			}
			sock.CloseNow()
			sock = nil
			retry = &x
			reconnects.Add(1)
			continue
		}
		retry = nil
		s.l.ack(s.t, x, m)
		if killed.Load() {
			afterKill.Add(1)
		}
	}
}

// read takes the socket's events until it ends; the receiver's message
// events go into live.
func (s *socketSender) read(sock *client.Socket) {
	for {
		ev, err := sock.Next(context.Background())
		if err != nil {
			return
		}
		if s.receiver && ev.Type == "message.created" && ev.ConversationID == s.conv {
			var m client.Message
			if json.Unmarshal(ev.Data, &m) == nil && m.Seq == ev.Seq {
				s.live.add(ev.Seq)
			}
		}
	}
}

// clusterWard runs the binary against one PostgreSQL database and NATS.
type clusterWard struct {
	t             *testing.T
	bin, db, nats string
	env           []string
}

func (w *clusterWard) cmd(stdin string, args ...string) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, w.bin, args...)
	c.Env = w.env
	c.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		w.t.Fatalf("ward %s: %v\nstdout: %s\nstderr: %s", strings.Join(args[:2], " "), err, out.String(), errb.String())
	}
	return out.String()
}

// clusterNode is one running ward serve of the cluster.
type clusterNode struct {
	server
	id, addr, log string
}

// start runs a node on a free loopback port and waits for its banner,
// which must name its node id.
func (w *clusterWard) start(data, id string, extra ...string) *clusterNode {
	t := w.t
	t.Helper()
	n := &clusterNode{id: id, log: data + ".log"}
	logf, err := os.Create(n.log)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(w.bin, append([]string{"serve", "--data", data, "--db", w.db, "--nats", w.nats, "--node-id", id,
		"--addr", "127.0.0.1:0", "--send-rate", "0"}, extra...)...)
	c.Env = w.env
	c.Stderr = logf
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	n.cmd, n.done = c, make(chan struct{})
	addrs := make(chan string, 1)
	named := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "ward node id: "); ok {
				named <- rest == id
			}
			if rest, ok := strings.CutPrefix(sc.Text(), "ward is serving on https://"); ok {
				a, _, _ := strings.Cut(rest, " ")
				addrs <- a
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { c.Wait(); logf.Close(); close(n.done) }()
	t.Cleanup(n.kill)
	select {
	case n.addr = <-addrs:
	case <-n.done:
		b, _ := os.ReadFile(n.log)
		t.Fatalf("ward serve %s exited before serving: %v\n%s", id, c.ProcessState, tail(b, 2<<10))
	case <-time.After(startTimeout):
		n.kill()
		t.Fatalf("ward serve %s did not start", id)
	}
	select {
	case ok := <-named:
		if !ok {
			t.Errorf("node %s printed another node id", id)
		}
	default:
		t.Errorf("node %s did not print its node id before serving", id)
	}
	return n
}
