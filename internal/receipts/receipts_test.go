package receipts_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

func direct(tb testing.TB, f *apptest.Fixture, a, b *app.Principal) ward.Conversation {
	tb.Helper()
	c, _, err := f.App.CreateConversation(context.Background(), a, app.NewConversation{Kind: ward.Direct, Members: []string{b.User.ID}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func send(tb testing.TB, f *apptest.Fixture, p *app.Principal, convID, clientID, body string) {
	tb.Helper()
	if _, _, err := f.App.SendMessage(context.Background(), p, convID, app.SendRequest{ClientID: clientID, Body: body}); err != nil {
		tb.Fatalf("send %s: %v", clientID, err)
	}
}

func TestReceipts(t *testing.T) {
	log := &apptest.EventLog{}
	f := apptest.New(t, false, apptest.WithBroker(func(*store.Store, *keyring.Keyring) realtime.Broker {
		b := realtime.NewLocalBroker()
		b.Subscribe(log.Add)
		return b
	}))
	ctx := context.Background()
	alice, bob := f.Principal(t, "alice", ward.RoleClinician), f.Principal(t, "bob", ward.RoleClinician)
	c := direct(t, f, alice, bob)
	for _, k := range []string{"1", "2", "3"} {
		send(t, f, alice, c.ID, k, "m"+k)
	}
	log.Take("")
	n, err := f.App.Receipts().Mark(ctx, bob, c.ID, 3, ward.Delivered)
	if err != nil || n != 3 {
		t.Fatal(n, err)
	}
	f.Clock.Advance(time.Minute)
	if n, err := f.App.Receipts().Mark(ctx, bob, c.ID, 2, ward.Read); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	evs := log.Take(realtime.Receipt)
	if len(evs) != 2 || len(evs[1].Users) != 1 || evs[1].Users[0] != alice.User.ID || evs[1].Seq != 2 ||
		!strings.Contains(string(evs[1].Data), `"kind":"read"`) {
		t.Fatalf("receipt events %+v", evs)
	}
	if n, _ := f.App.Receipts().Mark(ctx, bob, c.ID, 2, ward.Read); n != 0 {
		t.Fatalf("marking read twice changed %d", n)
	}
	if _, err := f.App.Receipts().Mark(ctx, bob, c.ID, 2, "seen"); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Fatalf("bad kind: %v", err)
	}
	msgs, _ := f.App.ListMessages(ctx, alice, c.ID, 0, 0)
	if len(msgs[0].Receipts) != 1 || msgs[0].Receipts[0].ReadAt.IsZero() || !msgs[2].Receipts[0].ReadAt.IsZero() ||
		msgs[2].Receipts[0].DeliveredAt.IsZero() || !msgs[0].Receipts[0].ReadAt.After(msgs[0].Receipts[0].DeliveredAt) {
		t.Fatalf("the sender's receipts %+v", msgs)
	}
	if list, _ := f.App.ListConversations(ctx, bob); list[0].Unread != 1 {
		t.Fatalf("bob unread %d, want 1", list[0].Unread)
	}
	// Acknowledgement is for urgent messages only.
	_, err = f.App.Receipts().Acknowledge(ctx, bob, msgs[0].ID)
	apptest.WantCode(t, err, ward.CodeInvalid) // acknowledging a normal message
}

// TestConcurrentMarks: marks share group commits with each other (and
// with sends), and a refused mark in a batch (a non-member's) fails alone:
// every other mark commits and answers its own count, even when its batch
// ran twice.
func TestConcurrentMarks(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConcurrentMarks(t, apptest.New(t, false)) })
	t.Run("postgres", func(t *testing.T) { testConcurrentMarks(t, apptest.NewPostgres(t, false)) })
}

func testConcurrentMarks(t *testing.T, f *apptest.Fixture) {
	ctx := context.Background()
	alice, eve := f.Principal(t, "alice", ward.RoleClinician), f.Principal(t, "eve", ward.RoleClinician)
	type pair struct {
		who  *app.Principal
		conv string
	}
	var pairs []pair
	for i := range 6 {
		u := f.Principal(t, fmt.Sprintf("u%d", i), ward.RoleClinician)
		c := direct(t, f, alice, u)
		for k := 1; k <= 5; k++ {
			send(t, f, alice, c.ID, fmt.Sprintf("%d-%d", i, k), "m")
		}
		pairs = append(pairs, pair{u, c.ID})
	}
	// Hold the writer in a job of its own while the marks queue, so that
	// they meet in one batch, the non-members' failures with them.
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- f.Store.WriteBatched(ctx, func(*store.Tx) error {
			select {
			case <-holding:
			default:
				close(holding)
			}
			<-release
			return nil
		})
	}()
	<-holding
	errs := make(chan error, 3*len(pairs))
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, err := f.App.Receipts().Mark(ctx, p.who, p.conv, 3, ward.Delivered); err != nil || n != 3 {
				errs <- fmt.Errorf("delivered up to 3: %d changed, %v", n, err)
			}
			if n, err := f.App.Receipts().Mark(ctx, p.who, p.conv, 5, ward.Read); err != nil || n != 5 {
				errs <- fmt.Errorf("read up to 5: %d changed, %v", n, err)
			}
		}()
	}
	// The non-members' marks queue behind the members' first ones (were one
	// early or late, it would only meet them in another batch).
	time.Sleep(50 * time.Millisecond)
	for _, p := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			eve := *eve // a Principal is one request's (a read mark refreshes it)
			if _, err := f.App.Receipts().Mark(ctx, &eve, p.conv, 5, ward.Read); ward.ErrorCode(err) != ward.CodeNotFound {
				errs <- fmt.Errorf("a non-member's mark: %v", err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, p := range pairs {
		msgs, err := f.App.ListMessages(ctx, alice, p.conv, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if len(m.Receipts) != 1 || m.Receipts[0].ReadAt.IsZero() || m.Receipts[0].DeliveredAt.IsZero() {
				t.Fatalf("message %d's receipts %+v", m.Seq, m.Receipts)
			}
		}
	}
}
