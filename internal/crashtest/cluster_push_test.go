package crashtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
)

// In a cluster a user reading ward on one node gets no push for a routine
// message sent through another: the nodes share who is online where over
// NATS (realtime.Presence). Once their socket closes, the next message
// pushes. Two real ward processes on one PostgreSQL and NATS, and a real
// push service on loopback that the nodes trust (SSL_CERT_FILE).
func TestClusterPushFollowsPresence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ward binary")
	}
	ps := pushtest.Start(t)
	ca := filepath.Join(t.TempDir(), "push-ca.pem")
	if err := os.WriteFile(ca, ps.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cw, dir, _ := newCluster(t, "SSL_CERT_FILE="+ca)
	nodeA := cw.start(filepath.Join(dir, "node-a"), "node-a", "--push-hosts", ps.Host())
	nodeB := cw.start(filepath.Join(dir, "node-b"), "node-b", "--push-hosts", ps.Host())
	defer logsOnFailure(t, nodeA, nodeB)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	alice, _ := nodeA.login(ctx, t, clusterEmails[0], "alice-laptop")
	bob, bobID := nodeB.login(ctx, t, clusterEmails[1], "bob-phone")
	key, err := bob.PushKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps.ExpectVAPIDKey(key)
	sub := ps.NewSubscription(t)
	if err := bob.SubscribePush(ctx, client.PushSubscription{Endpoint: sub.Endpoint,
		Keys: client.PushKeys{P256DH: sub.P256DH, Auth: sub.Auth}}); err != nil {
		t.Fatal(err)
	}
	conv, err := alice.CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{bobID}})
	if err != nil {
		t.Fatal(err)
	}

	// Bob reads ward on node B; alice writes through node A: no push.
	sock, err := bob.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // node A hears of bob's socket (milliseconds on loopback)
	if _, err := alice.Send(ctx, conv.ID, client.SendRequest{ClientID: "while-reading", Body: "while bob reads"}); err != nil {
		t.Fatal(err)
	}
	// The conversation's creation may reach node B after bob's socket
	// opened (node A publishes it over NATS as it queues): it comes first.
	for {
		ev, err := sock.Next(ctx)
		if err == nil && ev.Type == "conversation.updated" && ev.ConversationID == conv.ID {
			continue
		}
		if err != nil || ev.Type != "message.created" {
			t.Fatalf("bob's socket on node B: %+v %v", ev, err)
		}
		break
	}
	if got := ps.WaitFor(1, time.Second); len(got) != 0 {
		t.Fatalf("bob got %d pushes while reading ward on node B: %+v", len(got), got)
	}
	// Bob puts the phone away: alice's next messages buzz it (node A
	// learns within milliseconds; she writes until one does).
	sock.Close()
	closed := time.Now()
	for i := 0; len(ps.Pushes()) == 0 && time.Since(closed) < 20*time.Second; i++ {
		if _, err := alice.Send(ctx, conv.ID, client.SendRequest{ClientID: fmt.Sprintf("after-reading-%d", i),
			Body: "after bob left"}); err != nil {
			t.Fatal(err)
		}
		ps.WaitFor(1, time.Second)
	}
	got := ps.Pushes()
	if len(got) == 0 {
		t.Fatal("no push after bob's socket closed")
	}
	for _, p := range got {
		if p.Err != nil || p.At.Before(closed) {
			t.Errorf("push %+v (bob's socket closed at %v)", p, closed)
		}
	}
}
