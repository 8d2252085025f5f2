package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/server"
)

// Failures of one account's sign-in spread over two nodes add up to one
// budget (five free failures in all, not five per node): the sixth,
// wherever it lands, blocks the account on both nodes, the right password
// included.
func TestClusterSignInThrottle(t *testing.T) {
	dbURL, natsURL := clusterDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seedCluster(t, ctx, dbURL, "ana")
	node := func(id string) string {
		addr, _ := started(t, server.Config{DataDir: t.TempDir(), DBURL: dbURL, NATSURL: natsURL, NodeID: id})
		return addr
	}
	addrs := []string{node("throttle-1"), node("throttle-2")}
	try := func(addr, password string) error {
		c := client.New("https://"+addr, client.Options{InsecureSkipVerify: true})
		_, err := c.Login(ctx, client.LoginRequest{Email: "ana@cluster.example", Password: password,
			Device: client.Device{ID: "throttle-test", Name: "throttle test"}})
		return err
	}
	for i := range 5 {
		if err := try(addrs[i%2], "a wrong guess"); client.Code(err) != "unauthenticated" {
			t.Fatalf("failure %d (node %d): %v, want unauthenticated", i+1, i%2+1, err)
		}
	}
	// Node 2 has seen two failures, node 1 three: each alone is well
	// within its five free ones.
	if err := try(addrs[1], "a wrong guess"); client.Code(err) != "rate_limited" {
		t.Fatalf("the sixth failure (node 2): %v, want rate_limited", err)
	}
	for i, addr := range addrs {
		err := try(addr, "ana passphrase long enough")
		if client.Code(err) != "rate_limited" {
			t.Fatalf("node %d after six failures in all: %v, want rate_limited", i+1, err)
		}
		var ce *client.Error
		if errors.As(err, &ce) && ce.RetryAfter <= 0 {
			t.Errorf("node %d: no Retry-After", i+1)
		}
	}
}

// Background jobs run on one leader. When the leader loses the database
// (its connections cut), it stops leading and answers /readyz 503, and the
// other node takes over within a bounded time: an urgent message's
// escalation timer, due after the takeover, fires on the new leader, once.
func TestClusterJobFailover(t *testing.T) {
	dbURL, natsURL := clusterDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seedCluster(t, ctx, dbURL, "ana", "ben", "cara")
	clock := &fakeClock{}
	type node struct {
		id    string
		addr  string
		proxy *dbProxy
		log   *logBuffer
		out   string
	}
	nodes := make([]*node, 2)
	for i := range nodes {
		n := &node{id: []string{"failover-1", "failover-2"}[i], log: &logBuffer{}}
		p, u := newDBProxy(t, dbURL)
		n.proxy = p
		addr, stdout := started(t, server.Config{DataDir: t.TempDir(), DBURL: u, NATSURL: natsURL, NodeID: n.id,
			JobsEvery: 50 * time.Millisecond, SealEvery: 100 * time.Millisecond, Now: clock.now, Logger: n.log.logger()})
		n.addr, n.out = addr, stdout.String()
		nodes[i] = n
	}
	for _, n := range nodes {
		if !strings.Contains(n.out, "ward node id: "+n.id+"\n") {
			t.Errorf("the start banner does not name node %s:\n%s", n.id, n.out)
		}
	}
	leads := func(n *node) bool {
		return n.log.has(`"msg":"job leader: this node runs the background jobs","node":"` + n.id + `"`)
	}
	waitFor(t, 5*time.Second, "a job leader", func() bool { return leads(nodes[0]) || leads(nodes[1]) })
	leader, other := nodes[0], nodes[1]
	if leads(other) {
		leader, other = other, leader
	}
	if leads(leader) && leads(other) {
		t.Fatal("two job leaders")
	}

	ana, _ := clusterLogin(t, ctx, other.addr, "ana")
	_, benID := clusterLogin(t, ctx, other.addr, "ben")
	cara, caraID := clusterLogin(t, ctx, other.addr, "cara")
	conv, err := ana.CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{benID}})
	if err != nil {
		t.Fatal(err)
	}
	sock, err := cara.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.CloseNow()
	urgent, err := ana.Send(ctx, conv.ID, client.SendRequest{ClientID: "urgent-1", Body: "please look now", Priority: "urgent", BackupUserID: caraID})
	if err != nil {
		t.Fatal(err)
	}

	ready := func(n *node) int {
		resp, err := insecureClient().Get("https://" + n.addr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ready(leader); got != http.StatusOK {
		t.Fatalf("/readyz on the leader: %d", got)
	}
	leader.proxy.cut()
	took := waitFor(t, 10*time.Second, "the other node takes the lead", func() bool { return leads(other) })
	t.Logf("failover: node %s took the lead %v after node %s lost the database", other.id, took.Round(time.Millisecond), leader.id)
	waitFor(t, 10*time.Second, "/readyz 503 on the node that lost the database", func() bool { return ready(leader) == http.StatusServiceUnavailable })
	// /readyz can fail before the node's next lead check: wait for its word.
	waitFor(t, 10*time.Second, "the node that lost the database says it stopped leading", func() bool {
		return leader.log.has(`"msg":"job leader: this node no longer runs the background jobs","node":"` + leader.id + `"`)
	})
	if got := ready(other); got != http.StatusOK {
		t.Errorf("/readyz on the new leader: %d", got)
	}

	// The escalation falls due now, on the new leader's watch.
	clock.advance(20 * time.Minute)
	escalations := 0
	deadline := time.Now().Add(10 * time.Second)
	for escalations == 0 || time.Now().Before(deadline) {
		ectx, ecancel := context.WithDeadline(ctx, deadline)
		ev, err := sock.Next(ectx)
		ecancel()
		if err != nil {
			if escalations == 0 {
				t.Fatalf("no escalation reached the backup: %v", err)
			}
			break
		}
		var data struct{ Escalated bool }
		json.Unmarshal(ev.Data, &data)
		if ev.Type == "message.created" && ev.Seq == urgent.Seq && data.Escalated {
			if escalations++; escalations == 1 {
				// A few more rounds of both nodes' jobs, the old leader back
				// on the database, must not escalate it again.
				leader.proxy.restore()
				deadline = time.Now().Add(500 * time.Millisecond)
			}
		}
	}
	if escalations != 1 {
		t.Fatalf("the urgent message escalated %d times", escalations)
	}
	waitFor(t, 10*time.Second, "/readyz 200 once the database is back", func() bool { return ready(leader) == http.StatusOK })
	if leads(leader) && strings.Count(leader.log.String(), "this node runs the background jobs") > 1 {
		t.Error("the old leader took the lead back from a live leader")
	}
}
