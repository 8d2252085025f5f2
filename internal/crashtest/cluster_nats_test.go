package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/realtime/natstest"
)

// A NATS server that dies and comes back under two ward processes (a
// crash, an upgrade of NATS): meanwhile each node goes on storing and
// acknowledging its users' sends, and once NATS is back the nodes carry
// each other's live events again by themselves, both ways: a message alice
// sends through node A reaches bob's socket on node B, and his answer
// reaches hers on node A, without a restart of either node or socket.
func TestClusterEventsSurviveANATSRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ward binary")
	}
	nats := natstest.Start(t)
	cw, dir, _ := newCluster(t)
	cw.nats = nats.URL()
	nodeA := cw.start(filepath.Join(dir, "node-a"), "node-a")
	nodeB := cw.start(filepath.Join(dir, "node-b"), "node-b")
	defer logsOnFailure(t, nodeA, nodeB)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	alice, _ := nodeA.login(ctx, t, clusterEmails[0], "alice-laptop")
	bob, bobID := nodeB.login(ctx, t, clusterEmails[1], "bob-phone")
	conv, err := alice.CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{bobID}})
	if err != nil {
		t.Fatal(err)
	}
	aliceSees, bobSees := watch(ctx, t, alice), watch(ctx, t, bob)

	// crosses sends from one user until the other's socket, on the other
	// node, gets one of the sends (live events are at most once: a send
	// while the nodes are apart is stored and read later, not pushed).
	crosses := func(from *client.Client, to <-chan string, tag string) bool {
		t.Helper()
		for i := 0; ctx.Err() == nil; i++ {
			id := fmt.Sprintf("%s-%d", tag, i)
			if _, err := from.Send(ctx, conv.ID, client.SendRequest{ClientID: id, Body: "over NATS: " + tag}); err != nil {
				t.Fatalf("send %s: %v", id, err)
			}
			wait := time.After(500 * time.Millisecond)
			for waiting := true; waiting; {
				select {
				case got := <-to:
					if strings.HasPrefix(got, tag+"-") {
						return true
					}
				case <-wait:
					waiting = false
				}
			}
			if i >= 40 {
				return false
			}
		}
		return false
	}
	if !crosses(alice, bobSees, "before") || !crosses(bob, aliceSees, "before-back") {
		t.Fatal("events do not cross between the nodes before NATS restarts")
	}

	nats.Kill()
	for i := range 5 { // each node still serves its own users
		if _, err := alice.Send(ctx, conv.ID, client.SendRequest{ClientID: fmt.Sprintf("apart-%d", i), Body: "NATS away"}); err != nil {
			t.Fatalf("send through node A while NATS is away: %v", err)
		}
	}
	nats.Restart()
	if !crosses(alice, bobSees, "after") {
		t.Fatal("alice's messages through node A no longer reach bob's socket on node B after NATS came back")
	}
	if !crosses(bob, aliceSees, "after-back") {
		t.Fatal("bob's messages through node B no longer reach alice's socket on node A after NATS came back")
	}
	page, err := bob.Messages(ctx, conv.ID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	apart := 0
	for _, m := range page {
		if strings.HasPrefix(m.ClientID, "apart-") {
			apart++
		}
	}
	if apart != 5 {
		t.Errorf("bob reads %d of the 5 messages sent while NATS was away", apart)
	}
}

// login signs a user in on the node from a device of theirs.
func (n *clusterNode) login(ctx context.Context, t *testing.T, email, device string) (*client.Client, string) {
	t.Helper()
	c := client.New("https://"+n.addr, client.Options{InsecureSkipVerify: true})
	res, err := c.Login(ctx, client.LoginRequest{Email: email, Password: password,
		Device: client.Device{ID: device, Name: "cluster test"}})
	if err != nil {
		t.Fatalf("login %s on %s: %v", email, n.id, err)
	}
	return c, res.User.ID
}

// watch opens a socket for c and returns the client ids of the messages
// it is told of, until ctx ends.
func watch(ctx context.Context, t *testing.T, c *client.Client) <-chan string {
	t.Helper()
	sock, err := c.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.CloseNow() })
	ids := make(chan string, 256)
	go func() {
		for {
			ev, err := sock.Next(ctx)
			if err != nil {
				return
			}
			var m client.Message
			if ev.Type == "message.created" && json.Unmarshal(ev.Data, &m) == nil {
				select {
				case ids <- m.ClientID:
				default:
				}
			}
		}
	}()
	return ids
}
