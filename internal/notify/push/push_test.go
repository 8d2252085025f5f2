package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// env is an App whose broker pushes, a push Service and a real push
// service in the test process.
type env struct {
	f      *apptest.Fixture
	svc    *push.Service
	ps     *pushtest.Service
	mu     sync.Mutex
	online map[string]bool
}

func newEnv(t testing.TB, postgres bool, opts ...func(*push.Config)) *env {
	t.Helper()
	e := &env{ps: pushtest.Start(t), online: map[string]bool{}}
	broker := apptest.WithBroker(func(st *store.Store, kr *keyring.Keyring) realtime.Broker {
		key, err := kr.VAPIDKey(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cfg := push.Config{Store: st, Keyring: kr, Key: key, Subject: "mailto:it@stmary.example",
			Hosts: []string{e.ps.Host()}, Client: e.ps.Client(push.DefaultWorkers), Backoff: 20 * time.Millisecond,
			Online: func(u string) bool { e.mu.Lock(); defer e.mu.Unlock(); return e.online[u] }}
		for _, o := range opts {
			o(&cfg)
		}
		e.svc, err = push.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.svc.Close(context.Background()) })
		return push.Tap(realtime.NewLocalBroker(), e.svc)
	})
	if postgres {
		e.f = apptest.NewPostgres(t, false, broker)
	} else {
		e.f = apptest.New(t, false, broker)
	}
	e.ps.ExpectVAPIDKey(e.svc.PublicKey())
	return e
}

// person is a signed-in user on one device.
type person struct {
	*app.Principal
	email, pw string
}

func (e *env) person(t testing.TB, role ward.Role, name, device string) person {
	t.Helper()
	email := name + "@stmary.example"
	_, pw := e.f.AddUser(t, role, email, name)
	p, _ := e.f.MustLogin(t, email, pw, device)
	return person{p, email, pw}
}

func (e *env) subscribe(t testing.TB, p *app.Principal) *pushtest.Subscription {
	t.Helper()
	sub := e.ps.NewSubscription(t)
	if err := e.svc.Subscribe(context.Background(), p, push.Subscription{Endpoint: sub.Endpoint,
		Keys: push.Keys{P256DH: sub.P256DH, Auth: sub.Auth}}); err != nil {
		t.Fatal(err)
	}
	return sub
}

func (e *env) send(t testing.TB, from *app.Principal, convID, body string, pri ward.Priority) ward.Message {
	t.Helper()
	m, _, err := e.f.App.SendMessage(context.Background(), from, convID, app.SendRequest{ClientID: "c-" + body, Body: body, Priority: pri})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) conv(t testing.TB, from *app.Principal, kind ward.ConversationKind, members ...string) ward.Conversation {
	t.Helper()
	c, _, err := e.f.App.CreateConversation(context.Background(), from, app.NewConversation{Kind: kind, Title: "ward 4", Members: members})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) subscriptions(t testing.TB, users ...string) []store.PushSubscription {
	t.Helper()
	var rows []store.PushSubscription
	if err := e.f.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		rows, err = tx.PushSubscriptions(context.Background(), users)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

func payload(t testing.TB, p pushtest.Push) push.Payload {
	t.Helper()
	if p.Err != nil {
		t.Fatalf("the push service refused a push: %v", p.Err)
	}
	var pl push.Payload
	dec := json.NewDecoder(bytes.NewReader(p.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pl); err != nil {
		t.Fatalf("payload %q: %v", p.Payload, err)
	}
	return pl
}

const canary = "CANARY-K+6.9-Mrs-Jones-bed-12"

// TestUrgentPush (issue 23, shows 1): an urgent message with a canary body
// reaches the recipient's subscription within a second, VAPID-signed and
// encrypted; what the phone decrypts is a kind, the conversation's id and
// a count, and no canary. The sender's own device gets nothing.
func TestUrgentPush(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, pg)
			doc, nurse := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "nurse", "nurse-phone")
			docSub, nurseSub := e.subscribe(t, doc.Principal), e.subscribe(t, nurse.Principal)
			c := e.conv(t, doc.Principal, ward.Direct, nurse.User.ID)
			start := time.Now()
			e.send(t, doc.Principal, c.ID, canary, ward.Urgent)
			got := e.ps.WaitFor(1, time.Second)
			if len(got) != 1 {
				t.Fatalf("%d pushes within 1 s, want 1", len(got))
			}
			p := got[0]
			t.Logf("urgent message to the push service in %v", p.At.Sub(start))
			if p.Subscription != nurseSub.ID {
				t.Fatalf("push went to %s, want the nurse's %s", p.Subscription, nurseSub.ID)
			}
			if pl := payload(t, p); pl != (push.Payload{Kind: push.UrgentMessage, ConversationID: c.ID, Count: 1}) {
				t.Errorf("payload %+v", pl)
			}
			if bytes.Contains(p.Payload, []byte("CANARY")) || bytes.Contains(p.Payload, []byte("Jones")) {
				t.Errorf("the payload holds PHI: %s", p.Payload)
			}
			if p.Urgency != "high" || p.TTL != 3600 || p.Topic == "" {
				t.Errorf("Urgency %q TTL %d Topic %q, want high, 3600, set", p.Urgency, p.TTL, p.Topic)
			}
			time.Sleep(50 * time.Millisecond)
			if n := len(e.ps.For(docSub)); n != 0 {
				t.Errorf("the sender's own device got %d pushes", n)
			}
		})
	}
}

// TestNewMessagePush: a new message is pushed (Urgency normal, TTL a day)
// to a recipient without a live socket, never to one with one.
func TestNewMessagePush(t *testing.T) {
	e := newEnv(t, false)
	doc, a, b := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "amy", "amy-phone-1"), e.person(t, ward.RoleStaff, "ben", "ben-phone-1")
	subA, subB := e.subscribe(t, a.Principal), e.subscribe(t, b.Principal)
	e.mu.Lock()
	e.online[b.User.ID] = true
	e.mu.Unlock()
	c := e.conv(t, doc.Principal, ward.Group, a.User.ID, b.User.ID)
	e.send(t, doc.Principal, c.ID, canary, ward.Normal)
	got := e.ps.WaitFor(1, time.Second)
	if len(got) != 1 || got[0].Subscription != subA.ID {
		t.Fatalf("pushes %+v, want one to amy", got)
	}
	if pl := payload(t, got[0]); pl.Kind != push.NewMessage || got[0].Urgency != "normal" || got[0].TTL != 86400 {
		t.Errorf("payload %+v urgency %q ttl %d", pl, got[0].Urgency, got[0].TTL)
	}
	// Urgent goes to the online one too.
	e.send(t, doc.Principal, c.ID, "urgent "+canary, ward.Urgent)
	got = e.ps.WaitFor(3, time.Second)
	if len(got) != 3 || len(e.ps.For(subB)) != 1 {
		t.Fatalf("after an urgent message: %d pushes, %d to ben; want 3, 1", len(got), len(e.ps.For(subB)))
	}
}

// TestGoneDropsSubscription: a 410 from the push service deletes the
// subscription; nothing more is sent to it.
func TestGoneDropsSubscription(t *testing.T) {
	e := newEnv(t, false)
	doc, nurse := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "nurse", "nurse-phone")
	sub := e.subscribe(t, nurse.Principal)
	e.ps.Answer(sub, http.StatusGone)
	c := e.conv(t, doc.Principal, ward.Direct, nurse.User.ID)
	e.send(t, doc.Principal, c.ID, "one", ward.Urgent)
	e.ps.WaitFor(1, time.Second)
	waitUntil(t, func() bool { return len(e.subscriptions(t, nurse.User.ID)) == 0 }, "the 410 subscription deleted")
	e.send(t, doc.Principal, c.ID, "two", ward.Urgent)
	time.Sleep(100 * time.Millisecond)
	if n := len(e.ps.Pushes()); n != 1 {
		t.Errorf("%d pushes, want 1 (none after the 410)", n)
	}
}

// TestRetries: a 500 or a 429 is retried with backoff, MaxAttempts in all.
func TestRetries(t *testing.T) {
	e := newEnv(t, false)
	doc, nurse := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "nurse", "nurse-phone")
	sub := e.subscribe(t, nurse.Principal)
	e.ps.Answer(sub, http.StatusInternalServerError)
	c := e.conv(t, doc.Principal, ward.Direct, nurse.User.ID)
	e.send(t, doc.Principal, c.ID, "one", ward.Urgent)
	got := e.ps.WaitFor(push.MaxAttempts, 2*time.Second)
	time.Sleep(300 * time.Millisecond) // no fifth attempt comes
	if n := len(e.ps.Pushes()); n != push.MaxAttempts {
		t.Fatalf("%d attempts at a failing push service, want %d", n, push.MaxAttempts)
	}
	if d := got[1].At.Sub(got[0].At); d < 20*time.Millisecond {
		t.Errorf("retried after %v, before the backoff", d)
	}
	// A 429 once, then accepted: one retry delivers it.
	e.ps.Answer(sub, http.StatusTooManyRequests)
	e.send(t, doc.Principal, c.ID, "two", ward.Urgent)
	e.ps.WaitFor(push.MaxAttempts+1, time.Second)
	e.ps.Answer(sub, 0)
	e.ps.WaitFor(push.MaxAttempts+2, time.Second)
	if n := len(e.ps.Pushes()); n != push.MaxAttempts+2 {
		t.Errorf("%d pushes, want %d", n, push.MaxAttempts+2)
	}
	if len(e.subscriptions(t, nurse.User.ID)) != 1 {
		t.Error("a retried subscription was deleted")
	}
}

// TestSubscriptionDiesWithDevice: after a sign-out, a revoked session, a
// locked or wiped device or a disabled user, the device's subscription gets
// no push and is deleted; another recipient's still gets theirs.
func TestSubscriptionDiesWithDevice(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		end  func(e *env, owner *app.Principal, p person) error
	}{
		{"sign-out", func(e *env, _ *app.Principal, p person) error { return e.f.App.Logout(ctx, p.Principal) }},
		{"session revoked", func(e *env, _ *app.Principal, p person) error {
			return e.f.App.RevokeSession(ctx, p.Principal, p.Session.ID)
		}},
		{"sessions revoked by an admin", func(e *env, owner *app.Principal, p person) error {
			return e.f.App.RevokeUserSessions(ctx, owner, p.User.ID)
		}},
		{"device locked", func(e *env, owner *app.Principal, p person) error {
			_, err := e.f.App.ActOnDevice(ctx, owner, p.Device.ID, app.LockDevice)
			return err
		}},
		{"device wiped", func(e *env, owner *app.Principal, p person) error {
			_, err := e.f.App.ActOnDevice(ctx, owner, p.Device.ID, app.WipeDevice)
			return err
		}},
		{"user disabled", func(e *env, owner *app.Principal, p person) error {
			yes := true
			_, err := e.f.App.UpdateUser(ctx, owner, p.User.ID, app.UserChange{Disabled: &yes})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, false)
			owner, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop")
			doc := e.person(t, ward.RoleClinician, "doc", "doc-phone-1")
			nurse, other := e.person(t, ward.RoleStaff, "nurse", "nurse-phone"), e.person(t, ward.RoleStaff, "other", "other-phone")
			dead, alive := e.subscribe(t, nurse.Principal), e.subscribe(t, other.Principal)
			c := e.conv(t, doc.Principal, ward.Group, nurse.User.ID, other.User.ID)
			if err := tc.end(e, owner, nurse); err != nil {
				t.Fatal(err)
			}
			e.send(t, doc.Principal, c.ID, canary, ward.Urgent)
			e.ps.WaitFor(1, time.Second)
			time.Sleep(100 * time.Millisecond)
			if len(e.ps.For(alive)) != 1 || len(e.ps.For(dead)) != 0 {
				t.Fatalf("pushes: %d to the live device (want 1), %d to the ended one (want 0)", len(e.ps.For(alive)), len(e.ps.For(dead)))
			}
			waitUntil(t, func() bool { return len(e.subscriptions(t, nurse.User.ID)) == 0 }, "the ended subscription deleted")
		})
	}
}

// TestUnsubscribe: DELETE drops the device's subscription.
func TestUnsubscribe(t *testing.T) {
	e := newEnv(t, false)
	doc, nurse := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "nurse", "nurse-phone")
	e.subscribe(t, nurse.Principal)
	if err := e.svc.Unsubscribe(context.Background(), nurse.Principal); err != nil {
		t.Fatal(err)
	}
	if n := len(e.subscriptions(t, nurse.User.ID)); n != 0 {
		t.Fatalf("%d subscriptions after unsubscribe", n)
	}
	c := e.conv(t, doc.Principal, ward.Direct, nurse.User.ID)
	e.send(t, doc.Principal, c.ID, "x", ward.Urgent)
	time.Sleep(150 * time.Millisecond)
	if n := len(e.ps.Pushes()); n != 0 {
		t.Errorf("%d pushes after unsubscribe", n)
	}
}

// TestEscalationPush: an unacknowledged urgent message escalates to its
// backup (fake clock), who gets an "escalated" push with Urgency high.
func TestEscalationPush(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, false)
	doc, nurse := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "nurse", "nurse-phone")
	lead := e.person(t, ward.RoleClinician, "lead", "lead-phone")
	leadSub := e.subscribe(t, lead.Principal)
	c := e.conv(t, doc.Principal, ward.Direct, nurse.User.ID)
	if _, _, err := e.f.App.SendMessage(ctx, doc.Principal, c.ID, app.SendRequest{ClientID: "stat", Body: canary,
		Priority: ward.Urgent, BackupUserID: lead.User.ID}); err != nil {
		t.Fatal(err)
	}
	e.f.Clock.Advance(time.Hour)
	if _, esc, err := e.f.App.RunUrgentTimers(ctx); err != nil || esc != 1 {
		t.Fatalf("escalated %d, %v", esc, err)
	}
	waitUntil(t, func() bool { return len(e.ps.For(leadSub)) == 1 }, "the escalation pushed to the backup")
	p := e.ps.For(leadSub)[0]
	if pl := payload(t, p); pl != (push.Payload{Kind: push.Escalated, ConversationID: c.ID, Count: 1}) || p.Urgency != "high" {
		t.Errorf("payload %+v urgency %q", pl, p.Urgency)
	}
}

func waitUntil(t testing.TB, ok func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for: %s", what)
}

// TestBreakGlassPush (issue 24): a compliance officer may subscribe, and a
// break-glass alert published to the officers reaches their device as an
// urgent push that names no patient, conversation or clinician.
func TestBreakGlassPush(t *testing.T) {
	e := newEnv(t, false)
	officer := e.person(t, ward.RoleCompliance, "cora", "cora-laptop")
	sub := e.subscribe(t, officer.Principal)
	e.mu.Lock()
	e.online[officer.User.ID] = true // a live console tab does not hold an alert back
	e.mu.Unlock()
	tap := push.Tap(realtime.NewLocalBroker(), e.svc)
	data := []byte(`{"id":"g1","user_id":"u1","user_name":"Dr Jones","patient_id":"p1","category":"emergency"}`)
	if err := tap.Publish(context.Background(), realtime.Event{Type: "breakglass.opened", OrgID: officer.User.OrgID,
		Data: data, Users: []string{officer.User.ID}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return len(e.ps.For(sub)) == 1 }, "the break-glass alert pushed to the officer")
	p := e.ps.For(sub)[0]
	if pl := payload(t, p); pl != (push.Payload{Kind: push.BreakGlass, Count: 1}) || p.Urgency != "high" {
		t.Errorf("payload %+v urgency %q", pl, p.Urgency)
	}
	if bytes.Contains(p.Payload, []byte("Jones")) || bytes.Contains(p.Payload, []byte("p1")) {
		t.Errorf("the payload names who or which patient: %s", p.Payload)
	}
}

// TestBurstPushesEachMessageOnce: messages sent at once, to a receiver with a
// device and to one without, are resolved together (one read of the
// devices for the jobs queued behind each other): each message to the one
// with a device is pushed once, nothing goes to the other.
func TestBurstPushesEachMessageOnce(t *testing.T) {
	e := newEnv(t, false)
	doc, a, c := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "amy", "amy-phone-1"), e.person(t, ward.RoleStaff, "cal", "cal-phone-1")
	subA := e.subscribe(t, a.Principal)
	withA, withC := e.conv(t, doc.Principal, ward.Group, a.User.ID), e.conv(t, doc.Principal, ward.Group, c.User.ID)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		for _, conv := range []string{withA.ID, withC.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf("%s-%d", conv, i)
				if _, _, err := e.f.App.SendMessage(context.Background(), doc.Principal, conv, app.SendRequest{ClientID: body, Body: body}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	e.ps.WaitFor(n, 2*time.Second)
	time.Sleep(50 * time.Millisecond) // anything more would have come by now
	if got := e.ps.Pushes(); len(got) != n || len(e.ps.For(subA)) != n {
		t.Fatalf("%d pushes, %d to amy; want %d, all to amy", len(got), len(e.ps.For(subA)), n)
	}
}
