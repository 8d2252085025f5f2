package client_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
)

// startServer runs a real ward over TLS on a free loopback port with an org
// whose two clinicians are returned as signed-in clients.
func startServer(t *testing.T) (base string, a, b *client.Client, aID, bID string) {
	t.Helper()
	return startServerWith(t, func(*server.Config) {})
}

// startServerWith is startServer with a change to the server's Config
// (an SMTP server, say).
func startServerWith(t *testing.T, change func(*server.Config)) (base string, a, b *client.Client, aID, bID string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	// SendRate -1: the reconnect test sends a burst of 1,000 as fast as
	// it can; the send limit has tests of its own.
	cfg := server.Config{DataDir: filepath.Join(t.TempDir(), "data"), Addr: "127.0.0.1:0", SendRate: -1,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	change(&cfg)
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Client Test", AdminEmail: "owner@ct.example", Password: "owner passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"ana", "ben"} {
		if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: who + "@ct.example", Name: who, Role: ward.RoleClinician,
			Password: who + " passphrase long enough"}); err != nil {
			t.Fatal(err)
		}
	}
	env.Close()
	addrc := make(chan string, 1)
	cfg.Started = func(addr string) { addrc <- addr }
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case addr := <-addrc:
		base = "https://" + addr
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
	login := func(who string) (*client.Client, string) {
		c := client.New(base, client.Options{InsecureSkipVerify: true})
		res, err := c.Login(ctx, client.LoginRequest{Email: who + "@ct.example", Password: who + " passphrase long enough",
			Device: client.Device{ID: "client-test-" + who, Name: who + "'s laptop"}})
		if err != nil {
			t.Fatal(err)
		}
		return c, res.User.ID
	}
	a, aID = login("ana")
	b, bID = login("ben")
	return base, a, b, aID, bID
}

// mustDirect starts (or finds) a's direct conversation with the user bID.
func mustDirect(ctx context.Context, t *testing.T, a *client.Client, bID string) *client.Conversation {
	t.Helper()
	conv, err := a.CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{bID}})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// mustDial opens c's event socket, closed when the test ends.
func mustDial(ctx context.Context, t *testing.T, c *client.Client) *client.Socket {
	t.Helper()
	sock, err := c.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	return sock
}

func TestClientMessagingRoundTrip(t *testing.T) {
	_, a, b, _, bID := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conv := mustDirect(ctx, t, a, bID)
	sock := mustDial(ctx, t, b)
	if sock.Hello.Type != "hello" {
		t.Fatalf("first frame %+v", sock.Hello)
	}
	sent, err := a.Send(ctx, conv.ID, client.SendRequest{ClientID: "c-1", Body: "BP 120/80, stable"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.Send(ctx, conv.ID, client.SendRequest{ClientID: "c-1", Body: "BP 120/80, stable"})
	if err != nil || again.ID != sent.ID {
		t.Fatalf("retry made another message: %v %v", again, err)
	}
	_, err = a.Send(ctx, conv.ID, client.SendRequest{ClientID: "c-1", Body: "something else"})
	if client.Code(err) != "conflict" {
		t.Errorf("reused client id with other content: %v", err)
	}
	for {
		ev, err := sock.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == "message.created" && ev.Seq == sent.Seq {
			break
		}
	}
	msgs, err := b.Messages(ctx, conv.ID, 0, 50)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "BP 120/80, stable" {
		t.Fatalf("B's messages: %+v %v", msgs, err)
	}
	if _, err := b.MarkReceipts(ctx, conv.ID, sent.Seq, "read"); err != nil {
		t.Fatal(err)
	}
	mine, err := a.Messages(ctx, conv.ID, 0, 50)
	if err != nil || len(mine) != 1 || len(mine[0].Receipts) != 1 || mine[0].Receipts[0].ReadAt == nil {
		t.Fatalf("A does not see the read receipt: %+v %v", mine, err)
	}
	if _, err := b.Messages(ctx, "no-such-conversation", 0, 10); client.Code(err) != "not_found" {
		t.Errorf("unknown conversation: %v", err)
	}
}

func TestTypingReachesTheOtherMember(t *testing.T) {
	_, a, b, _, bID := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conv := mustDirect(ctx, t, a, bID)
	sa, sb := mustDial(ctx, t, a), mustDial(ctx, t, b)
	if err := sb.Typing(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := sa.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == "typing" {
			if ev.ConversationID != conv.ID || !strings.Contains(string(ev.Data), bID) {
				t.Errorf("typing event %+v", ev)
			}
			return
		}
	}
}

// TestSocketSend: sends over the socket are answered once committed, in
// the order sent, while the same socket's Next reads events; the sending
// socket gets no event of its own message, the user's other sockets do; a refused send
// returns the server's problem code; and a send on a socket that has gone
// fails instead of waiting for ever.
func TestSocketSend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, a, b, _, bID := startServer(t)
	conv := mustDirect(ctx, t, a, bID)
	sa, sa2, sb := mustDial(ctx, t, a), mustDial(ctx, t, a), mustDial(ctx, t, b)
	events := make(chan client.Event, 100)
	go func() {
		for {
			ev, err := sa.Next(ctx)
			if err != nil {
				close(events)
				return
			}
			events <- ev
		}
	}()
	for i := 1; i <= 20; i++ {
		m, err := sa.Send(ctx, conv.ID, client.SendRequest{ClientID: "ws-" + string(rune('a'+i)), Body: "over the socket"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Seq != int64(i) {
			t.Fatalf("send %d got seq %d", i, m.Seq)
		}
		ev, err := sb.Next(ctx)
		if err != nil || ev.Type != "message.created" || ev.Seq != int64(i) {
			t.Fatalf("recipient got %+v, %v", ev, err)
		}
	}
	// The user's other socket saw each message as an event; the sending
	// socket had its answers instead: the first event it sees is ben's reply.
	for i := 1; i <= 20; i++ {
		if ev, err := sa2.Next(ctx); err != nil || ev.Type != "message.created" || ev.Seq != int64(i) {
			t.Fatalf("sender's other socket got %+v, %v", ev, err)
		}
	}
	if _, err := b.Send(ctx, conv.ID, client.SendRequest{ClientID: "reply", Body: "thanks"}); err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.Type != "message.created" || ev.Seq != 21 {
		t.Errorf("sending socket's first event %+v, want ben's reply (seq 21)", ev)
	}
	if _, err := sa.Send(ctx, conv.ID, client.SendRequest{ClientID: "ws-b", Body: "another body"}); client.Code(err) != "conflict" {
		t.Errorf("a reused client id with another body: %v, want conflict", err)
	}
	if _, err := sa.Send(ctx, "no-such-conversation", client.SendRequest{ClientID: "x", Body: "hi"}); client.Code(err) != "not_found" {
		t.Errorf("send to no conversation: %v, want not_found", err)
	}
	sa.CloseNow()
	for range events {
	}
	if _, err := sa.Send(ctx, conv.ID, client.SendRequest{ClientID: "after-close", Body: "hi"}); err == nil {
		t.Error("a send on a closed socket succeeded")
	}
}

// TestNewClientIDSortsByTime: client ids are distinct and each sorts after
// the one made before it.
func TestNewClientIDSortsByTime(t *testing.T) {
	prev := client.NewClientID()
	for range 10_000 {
		id := client.NewClientID()
		if id <= prev {
			t.Fatalf("%s made after %s sorts before it", id, prev)
		}
		prev = id
	}
}

// TestSocketMarkReceipts: a mark over the socket is answered with how
// many receipts it changed, the sender's socket gets the receipt event,
// and a refused mark returns the server's problem code.
func TestSocketMarkReceipts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, a, b, _, bID := startServer(t)
	conv := mustDirect(ctx, t, a, bID)
	sa, sb := mustDial(ctx, t, a), mustDial(ctx, t, b)
	go func() { // sb's answers are read by its Next
		for {
			if _, err := sb.Next(ctx); err != nil {
				return
			}
		}
	}()
	sent, err := a.Send(ctx, conv.ID, client.SendRequest{ClientID: "m-1", Body: "K 3.6"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sb.MarkReceipts(ctx, conv.ID, sent.Seq, "read"); err != nil || n != 1 {
		t.Fatalf("mark: %d changed, %v", n, err)
	}
	for {
		ev, err := sa.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == "receipt" {
			if ev.Seq != sent.Seq || !strings.Contains(string(ev.Data), `"read"`) {
				t.Errorf("receipt event %+v", ev)
			}
			break
		}
	}
	if n, err := sb.MarkReceipts(ctx, conv.ID, sent.Seq, "read"); err != nil || n != 0 {
		t.Errorf("marking again: %d changed, %v (want 0: positions only move forward)", n, err)
	}
	if _, err := sb.MarkReceipts(ctx, conv.ID, sent.Seq, "seen"); client.Code(err) != "invalid_input" {
		t.Errorf("unknown kind: %v", err)
	}
}
