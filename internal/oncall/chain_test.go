package oncall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

const canary = "CANARY-chest-pain-Mrs-Okafor-bed-7"

// chainEnv is the app with a real Web Push sender in front of its broker,
// a real push service in the test process, and the on-call service that
// hands pages on through the app.
type chainEnv struct {
	f      *apptest.Fixture
	ps     *pushtest.Service
	sender *push.Service
	svc    *oncall.Service
}

func newChainEnv(t *testing.T, postgres bool) *chainEnv {
	t.Helper()
	e := &chainEnv{ps: pushtest.Start(t)}
	var sender *push.Service
	broker := apptest.WithBroker(func(st *store.Store, kr *keyring.Keyring) realtime.Broker {
		key, err := kr.VAPIDKey(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sender, err = push.New(push.Config{Store: st, Keyring: kr, Key: key, Subject: "mailto:it@stmary.example",
			Hosts: []string{e.ps.Host()}, Client: e.ps.Client(4), Workers: 4, Backoff: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sender.Close(context.Background()) })
		return push.Tap(realtime.NewLocalBroker(), sender)
	})
	if postgres {
		e.f = apptest.NewPostgres(t, false, broker)
	} else {
		e.f = apptest.New(t, false, broker)
	}
	e.ps.ExpectVAPIDKey(sender.PublicKey())
	// Sessions (and so their push subscriptions) outlive the days the
	// fake clock jumps over.
	var pol ward.Policy
	if err := e.f.Store.Read(context.Background(), func(tx *store.Tx) (err error) { pol, err = tx.Policy(context.Background(), e.f.Org.ID); return err }); err != nil {
		t.Fatal(err)
	}
	pol.IdleTimeout, pol.SessionLifetime = ward.Duration(24*time.Hour), ward.Duration(30*24*time.Hour)
	if err := e.f.Store.Write(context.Background(), func(tx *store.Tx) error { return tx.PutPolicy(context.Background(), e.f.Org.ID, pol) }); err != nil {
		t.Fatal(err)
	}
	e.svc = oncall.New(oncall.Config{Store: e.f.Store, Now: e.f.Clock.Now, Hands: e.f.App})
	e.sender = sender
	return e
}

// doctor is a signed-in clinician with a subscribed phone.
type doctor struct {
	*app.Principal
	sub *pushtest.Subscription
}

func (e *chainEnv) doctor(t *testing.T, name string) doctor {
	t.Helper()
	_, pw := e.f.AddUser(t, ward.RoleClinician, name+"@stmary.example", "Dr "+name)
	p, _ := e.f.MustLogin(t, name+"@stmary.example", pw, name+"-phone")
	sub := e.ps.NewSubscription(t)
	if err := e.sender.Subscribe(context.Background(), p, push.Subscription{Endpoint: sub.Endpoint,
		Keys: push.Keys{P256DH: sub.P256DH, Auth: sub.Auth}}); err != nil {
		t.Fatal(err)
	}
	return doctor{p, sub}
}

// page does what POST /api/v1/oncall/roles/{id}/page does for an urgent
// page (internal/httpapi): resolve, the direct conversation, the send
// (escalating along the chain, to no backup), and the page's record.
func (e *chainEnv) page(t *testing.T, from *app.Principal, roleID, body string) (ward.Message, oncall.OnCall) {
	t.Helper()
	ctx := context.Background()
	o, err := e.svc.ResolvePage(ctx, from, roleID)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := e.f.App.CreateConversation(ctx, from, app.NewConversation{Kind: ward.Direct, Members: []string{o.UserID}})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := e.f.App.SendMessage(ctx, from, c.ID, app.SendRequest{ClientID: "page-" + body, Body: body, Priority: ward.Urgent, Chained: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Paged(ctx, from, o, c.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	return m, o
}

// tick runs what the leader runs on every tick: the urgent timers, then
// the chains.
func (e *chainEnv) tick(t *testing.T) (escalated, rerouted int) {
	t.Helper()
	if _, _, err := e.f.App.RunUrgentTimers(context.Background()); err != nil {
		t.Fatal(err)
	}
	escalated, rerouted, err := e.svc.RunPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return escalated, rerouted
}

// pushesTo waits for n pushes to sub in all and returns their payloads,
// checking that what the phone decrypts holds no PHI.
func (e *chainEnv) pushesTo(t *testing.T, sub *pushtest.Subscription, n int) []push.Payload {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for len(e.ps.For(sub)) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := e.ps.For(sub)
	if len(got) != n {
		t.Fatalf("%d pushes to %s within 1 s, want %d", len(got), sub.ID, n)
	}
	out := make([]push.Payload, n)
	for i, p := range got {
		if p.Err != nil {
			t.Fatalf("the push service refused a push: %v", p.Err)
		}
		if bytes.Contains(p.Payload, []byte("CANARY")) || bytes.Contains(p.Payload, []byte("Okafor")) {
			t.Fatalf("a push holds PHI: %s", p.Payload)
		}
		if err := json.Unmarshal(p.Payload, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func (e *chainEnv) role(t *testing.T, name, start string, people []string, chain ward.EscalationChain) ward.OnCallRole {
	t.Helper()
	adm := e.f.Principal(t, "adm-"+strings.ToLower(strings.Fields(name)[0]), ward.RoleAdmin)
	r, err := e.svc.Create(context.Background(), adm, name, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily,
		HandOver: "08:00", TimeZone: "UTC", Start: start, People: people}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = e.svc.SetChain(context.Background(), adm, r.ID, chain); err != nil {
		t.Fatal(err)
	}
	return r
}

// auditReasons lists the reasons of the audit events of an action.
func (e *chainEnv) auditReasons(t *testing.T, action audit.Action) []string {
	t.Helper()
	var out []string
	for _, ev := range e.f.AuditEvents(t, action) {
		out = append(out, fmt.Sprint(ev["reason"]))
	}
	return out
}

func each(t *testing.T, fn func(t *testing.T, pg bool)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, pg) })
	}
}

// TestPageEscalatesAlongTheChain (issue 23, shows 1): an urgent message to
// "Cardiology on call" reaches the on-call doctor's phone within a second
// through the real push service (VAPID checked, payload decrypted, no
// canary); unacknowledged, it escalates to the secondary after the
// policy's urgent_escalate (fake clock), audited oncall.escalated with the
// step and the user id; once the secondary acknowledges, the chain stops
// and the lead is never paged. The sender sees where the page is at every
// step.
func TestPageEscalatesAlongTheChain(t *testing.T) {
	each(t, func(t *testing.T, pg bool) {
		e := newChainEnv(t, pg)
		ctx := context.Background()
		ito, shah, lee, rao := e.doctor(t, "ito"), e.doctor(t, "shah"), e.doctor(t, "lee"), e.doctor(t, "rao")
		// The clock stands at 2026-11-24 08:00 UTC: Shah's daily shift starts.
		card := e.role(t, "Cardiology on call", "2026-11-23", []string{ito.User.ID, shah.User.ID},
			ward.EscalationChain{SecondaryID: lee.User.ID, LeadID: rao.User.ID})

		start := time.Now()
		m, o := e.page(t, ito.Principal, card.ID, canary)
		if o.UserID != shah.User.ID || o.Step != oncall.StepPrimary || o.Label() != "Cardiology on call (Dr shah)" {
			t.Fatalf("resolved to %+v (%s)", o, o.Label())
		}
		if got := e.pushesTo(t, shah.sub, 1); got[0] != (push.Payload{Kind: push.UrgentMessage, ConversationID: m.ConversationID, Count: 1}) {
			t.Fatalf("shah's phone got %+v", got)
		}
		t.Logf("page to the push service in %v", time.Since(start))

		where := func(step, holder string) oncall.Page {
			t.Helper()
			p, err := e.svc.Page(ctx, ito.Principal, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Step != step || p.HolderID != holder {
				t.Fatalf("the page is at %s with %s, want %s with %s", p.Step, p.HolderName, step, holder)
			}
			return p
		}
		p := where(oncall.StepPrimary, shah.User.ID)
		if p.NextAt != e.f.Clock.Now().Add(15*time.Minute) || p.AckedBy != "" {
			t.Fatalf("next step at %v, acked by %q", p.NextAt, p.AckedBy)
		}

		// 14 minutes: re-notified, not escalated.
		e.f.Clock.Advance(14 * time.Minute)
		if esc, _ := e.tick(t); esc != 0 {
			t.Fatalf("escalated after 14 minutes")
		}
		// 15 minutes: to the secondary.
		e.f.Clock.Advance(time.Minute)
		if esc, rer := e.tick(t); esc != 1 || rer != 0 {
			t.Fatalf("after 15 minutes: %d escalated, %d re-routed", esc, rer)
		}
		if got := e.pushesTo(t, lee.sub, 1); got[0].Kind != push.Escalated || got[0].ConversationID != m.ConversationID {
			t.Fatalf("lee's phone got %+v", got)
		}
		p = where(oncall.StepSecondary, lee.User.ID)
		if p.HolderName != "Dr lee" || !p.Since.Equal(e.f.Clock.Now()) || len(p.Steps) != 2 || p.Steps[1].Kind != store.PageHandEscalated {
			t.Fatalf("page %+v", p)
		}
		reasons := e.auditReasons(t, audit.OnCallEscalated)
		if len(reasons) != 1 || !strings.Contains(reasons[0], "secondary "+lee.User.ID) || !strings.Contains(reasons[0], m.ID) {
			t.Fatalf("oncall.escalated: %q", reasons)
		}
		// The secondary reads the thread from the page on, and acknowledges.
		if _, err := e.f.App.Receipts().Acknowledge(ctx, lee.Principal, m.ID); err != nil {
			t.Fatal(err)
		}
		p = where(oncall.StepSecondary, lee.User.ID)
		if p.AckedBy != lee.User.ID || p.AckedByName != "Dr lee" {
			t.Fatalf("acknowledged by %q", p.AckedBy)
		}
		// The chain stops: no lead, ever.
		e.f.Clock.Advance(time.Hour)
		if esc, _ := e.tick(t); esc != 0 {
			t.Fatalf("escalated after the acknowledgement")
		}
		time.Sleep(50 * time.Millisecond)
		if n := len(e.ps.For(rao.sub)); n != 0 {
			t.Fatalf("the lead got %d pushes after the acknowledgement", n)
		}
		if reasons := e.auditReasons(t, audit.OnCallEscalated); len(reasons) != 1 {
			t.Fatalf("oncall.escalated after the acknowledgement: %q", reasons)
		}
		if n := len(e.ps.For(ito.sub)); n != 0 {
			t.Errorf("the sender's own phone got %d pushes", n)
		}
	})
}

// TestPageToTheLead: the secondary does not answer either, so the page
// reaches the lead; and a role with no one on call sends an urgent page
// straight to its lead, telling the sender so in the label, while a
// normal message to it is refused with no_one_on_call.
func TestPageToTheLead(t *testing.T) {
	e := newChainEnv(t, false)
	ctx := context.Background()
	ito, shah, lee, rao := e.doctor(t, "ito"), e.doctor(t, "shah"), e.doctor(t, "lee"), e.doctor(t, "rao")
	card := e.role(t, "Cardiology on call", "2026-11-23", []string{ito.User.ID, shah.User.ID},
		ward.EscalationChain{SecondaryID: lee.User.ID, LeadID: rao.User.ID})
	m, _ := e.page(t, ito.Principal, card.ID, canary)
	for _, want := range []string{oncall.StepSecondary, oncall.StepLead} {
		e.f.Clock.Advance(15 * time.Minute)
		if esc, _ := e.tick(t); esc != 1 {
			t.Fatalf("no escalation to the %s", want)
		}
	}
	if got := e.pushesTo(t, rao.sub, 1); got[0].Kind != push.Escalated {
		t.Fatalf("the lead got %+v", got)
	}
	p, err := e.svc.Page(ctx, rao.Principal, m.ID)
	if err != nil || p.Step != oncall.StepLead || !p.NextAt.IsZero() {
		t.Fatalf("page %+v %v", p, err)
	}
	e.f.Clock.Advance(time.Hour) // the lead is the last step
	if esc, _ := e.tick(t); esc != 0 {
		t.Fatalf("escalated past the lead")
	}
	if _, err := e.f.App.Receipts().Acknowledge(ctx, rao.Principal, m.ID); err != nil {
		t.Fatal(err)
	}

	// Rapid response starts on 2026-11-30: no one is on call now.
	rrt := e.role(t, "Rapid response team", "2026-11-30", []string{shah.User.ID}, ward.EscalationChain{LeadID: rao.User.ID})
	if _, err := e.svc.Resolve(ctx, ito.Principal, rrt.ID); ward.ErrorCode(err) != ward.CodeNoOneOnCall {
		t.Fatalf("a normal message with no one on call: %v", err)
	}
	m2, o := e.page(t, ito.Principal, rrt.ID, canary+"-2")
	if o.UserID != rao.User.ID || o.Step != oncall.StepLead || o.Label() != "Rapid response team (Dr rao, lead: no one is on call)" {
		t.Fatalf("resolved to %+v: %s", o, o.Label())
	}
	// The lead's phone: escalated (the first page), re-notified, the new page.
	if got := e.pushesTo(t, rao.sub, 3); !slices.Contains(got, push.Payload{Kind: push.UrgentMessage, ConversationID: m2.ConversationID, Count: 1}) {
		t.Fatalf("the lead got %+v", got)
	}
	// Read later by its sender or by the lead, the thread says it reached the lead.
	for _, who := range []*app.Principal{ito.Principal, rao.Principal} {
		got, err := e.svc.AddressedIn(ctx, who, m2.ConversationID)
		if err != nil || len(got) != 1 || got[0].MessageID != m2.ID || got[0].Label() != "Rapid response team (Dr rao, lead)" {
			t.Fatalf("addressed in the thread: %+v %v", got, err)
		}
	}
	if _, err := e.svc.AddressedIn(ctx, shah.Principal, m2.ConversationID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("someone outside the thread: %v", err)
	}
	reasons := e.auditReasons(t, audit.OnCallEscalated)
	if len(reasons) != 3 || !strings.Contains(reasons[2], "straight to the lead "+rao.User.ID) {
		t.Fatalf("oncall.escalated: %q", reasons)
	}
	// The rotation's first hand-over re-routes it to the first person on call.
	e.f.Clock.Set(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
	if _, rer := e.tick(t); rer != 1 {
		t.Fatalf("not re-routed when the rotation started")
	}
	if p, _ := e.svc.Page(ctx, ito.Principal, m2.ID); p.HolderID != shah.User.ID || p.Step != oncall.StepPrimary {
		t.Fatalf("page %+v", p)
	}
	// A role without a lead still refuses an urgent page at once.
	bare := e.role(t, "Bare on call", "2026-12-30", []string{shah.User.ID}, ward.EscalationChain{})
	if _, err := e.svc.ResolvePage(ctx, ito.Principal, bare.ID); ward.ErrorCode(err) != ward.CodeNoOneOnCall {
		t.Fatalf("a page with no one on call and no lead: %v", err)
	}
}

// TestHandOverReroutes (issue 23, shows 2): a page still unacknowledged at
// the role's hand-over is re-routed to the incoming doctor (a member of
// the same thread, pushed "escalated to you"), audited oncall.rerouted
// with the outgoing and incoming user ids, and starts the chain again
// from the primary; the audit trail shows every step, and the incoming
// doctor's acknowledgement stops it.
func TestHandOverReroutes(t *testing.T) {
	each(t, func(t *testing.T, pg bool) {
		e := newChainEnv(t, pg)
		ctx := context.Background()
		e.f.Clock.Set(time.Date(2026, 11, 25, 7, 50, 0, 0, time.UTC))
		ito, shah, kim := e.doctor(t, "ito"), e.doctor(t, "shah"), e.doctor(t, "kim")
		// Shah holds 2026-11-24 08:00 to 2026-11-25 08:00, then Kim. No
		// secondary or lead: the page stays with Shah until the hand-over.
		card := e.role(t, "Cardiology on call", "2026-11-23", []string{kim.User.ID, shah.User.ID}, ward.EscalationChain{})
		m, _ := e.page(t, ito.Principal, card.ID, canary)
		e.pushesTo(t, shah.sub, 1)
		e.f.Clock.Set(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
		if esc, rer := e.tick(t); esc != 0 || rer != 1 {
			t.Fatalf("at the hand-over: %d escalated, %d re-routed", esc, rer)
		}
		if got := e.pushesTo(t, kim.sub, 1); got[0].Kind != push.Escalated || got[0].ConversationID != m.ConversationID {
			t.Fatalf("kim's phone got %+v", got)
		}
		p, err := e.svc.Page(ctx, kim.Principal, m.ID)
		if err != nil || p.HolderID != kim.User.ID || p.Step != oncall.StepPrimary || !p.HandOverAt.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
			t.Fatalf("page %+v %v", p, err)
		}
		if len(p.Steps) != 2 || p.Steps[1].Kind != store.PageHandRerouted || p.Steps[1].FromID != shah.User.ID || p.Steps[1].UserID != kim.User.ID {
			t.Fatalf("steps %+v", p.Steps)
		}
		// The same thread: the sender sees Kim join it.
		c, err := e.f.App.GetConversation(ctx, ito.Principal, m.ConversationID)
		if err != nil || len(c.Members) != 3 {
			t.Fatalf("conversation %+v %v", c.Members, err)
		}
		// The audit trail shows each step, in order.
		want := []struct {
			action audit.Action
			has    string
		}{
			{audit.OnCallRoleAddressed, "resolved to " + shah.User.ID},
			{audit.OnCallRerouted, "from " + shah.User.ID + " to " + kim.User.ID},
			{audit.MemberAdded, "re-routed at the hand-over"},
		}
		for _, w := range want {
			rs := e.auditReasons(t, w.action)
			if len(rs) == 0 || !strings.Contains(rs[len(rs)-1], w.has) || !strings.Contains(rs[len(rs)-1], m.ID) && w.action != audit.OnCallRoleAddressed {
				t.Errorf("%s: %q, want one with %q", w.action, rs, w.has)
			}
		}
		if _, err := e.f.App.Receipts().Acknowledge(ctx, kim.Principal, m.ID); err != nil {
			t.Fatal(err)
		}
		e.f.Clock.Set(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
		if esc, rer := e.tick(t); esc+rer != 0 {
			t.Fatalf("moved after the acknowledgement: %d, %d", esc, rer)
		}
		if rs := e.auditReasons(t, audit.OnCallRerouted); len(rs) != 1 {
			t.Fatalf("oncall.rerouted: %q", rs)
		}
	})
}
