package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// Two nodes on one PostgreSQL database, one master key and one NATS server:
// a message sent through node 1 reaches a socket open on node 2 live.
func TestTwoNodesShareLiveEvents(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	natsURL := "nats://127.0.0.1:4222"
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

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	node := func(name string) server.Config {
		return server.Config{DataDir: t.TempDir(), DBURL: dbURL, NATSURL: natsURL, Addr: "127.0.0.1:0",
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	}
	env, err := server.Open(ctx, node("setup"))
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Cluster Clinic", AdminEmail: "owner@cluster.example", Password: "owner passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"ana", "ben"} {
		if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: who + "@cluster.example", Name: who,
			Role: ward.RoleClinician, Password: who + " passphrase long enough"}); err != nil {
			t.Fatal(err)
		}
	}
	env.Close()

	addr1, _ := started(t, node("node 1"))
	addr2, _ := started(t, node("node 2"))
	login := func(addr, who string) (*client.Client, string) {
		c := client.New("https://"+addr, client.Options{InsecureSkipVerify: true})
		res, err := c.Login(ctx, client.LoginRequest{Email: who + "@cluster.example", Password: who + " passphrase long enough",
			Device: client.Device{ID: "cluster-" + who, Name: who}})
		if err != nil {
			t.Fatal(err)
		}
		return c, res.User.ID
	}
	ana, _ := login(addr1, "ana")
	ben, benID := login(addr2, "ben")
	conv, err := ana.CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{benID}})
	if err != nil {
		t.Fatal(err)
	}
	sock, err := ben.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	sent, err := ana.Send(ctx, conv.ID, client.SendRequest{ClientID: "across", Body: "sent on node 1"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := sock.Next(ctx)
		if err != nil {
			t.Fatalf("no event on node 2: %v", err)
		}
		if ev.Type == "message.created" && ev.Seq == sent.Seq && ev.ConversationID == conv.ID {
			break
		}
	}

	// Ben's session A (signed in on node 2) is also in use on node 1, and
	// cached there; his session B on node 1 has a socket there. Ending A on
	// node 2 makes node 1 refuse it at once, not after its 5 s session
	// cache, and leaves B's socket open.
	onNode1 := func(token string) *client.Client {
		c := client.New("https://"+addr1, client.Options{InsecureSkipVerify: true})
		c.SetToken(token)
		return c
	}
	aOn1 := onNode1(ben.Token())
	if _, err := aOn1.Me(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := login(addr1, "ben")
	sockB, err := b.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sockB.CloseNow()
	if err := ben.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		_, err := aOn1.Me(ctx)
		if client.Code(err) == "unauthenticated" {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("node 1 still serves the session node 2 ended (%v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	again, err := ana.Send(ctx, conv.ID, client.SendRequest{ClientID: "after sign-out", Body: "still there?"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := sockB.Next(ctx)
		if err != nil {
			t.Fatalf("session B's socket on node 1: %v", err)
		}
		if ev.Type == "message.created" && ev.Seq == again.Seq {
			break
		}
	}

	// Ending B from node 2 closes its socket on node 1 at once, not at the
	// socket's 60 s check.
	if err := (func() error {
		c := client.New("https://"+addr2, client.Options{InsecureSkipVerify: true})
		c.SetToken(b.Token())
		return c.Logout(ctx)
	})(); err != nil {
		t.Fatal(err)
	}
	closeCtx, cancelClose := context.WithTimeout(ctx, 3*time.Second)
	defer cancelClose()
	for {
		if _, err := sockB.Next(closeCtx); err != nil {
			if closeCtx.Err() != nil {
				t.Fatal("node 1 kept the socket of the session node 2 ended")
			}
			break
		}
	}
}
