package digest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/notify/digest"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/store"
)

const (
	canary = "CANARY-K+6.9-Mrs-Jones-bed-12"
	title  = "CANARY-TITLE-Jones-ward-4"
	sender = "Dr Zebedee Canary"
	link   = "https://ward.stmary.example/"
)

type env struct {
	f    *apptest.Fixture
	in   *mailtest.Inbox
	m    *mail.Mailer
	n    int
	doc  *app.Principal
	conv string
}

func newDigest(t testing.TB, e *env, m digest.Mailer) *digest.Service {
	return digest.New(digest.Config{Store: e.f.Store, Mailer: m, Link: link})
}

func (e *env) run(t testing.TB, d *digest.Service) int {
	t.Helper()
	n, err := d.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) send(t testing.TB, pri ward.Priority) {
	t.Helper()
	e.n++
	if _, _, err := e.f.App.SendMessage(context.Background(), e.doc, e.conv, app.SendRequest{ClientID: "m" + string(rune('a'+e.n)),
		Body: canary, Priority: pri}); err != nil {
		t.Fatal(err)
	}
}

// mails returns the mails to addr.
func (e *env) mails(addr string) []string {
	var out []string
	for _, m := range e.in.All() {
		if m.To == addr {
			out = append(out, m.Body)
		}
	}
	return out
}

// TestEmailFallback (issue 23): a staff member with unread messages and no
// push subscription gets exactly one PHI-free email after the policy's
// 15 minutes, none within the hour after (a restarted service included),
// the next after the hour; an urgent message is mailed at once, through
// quiet hours that hold a digest back. A colleague with a live push
// subscription gets no email. The mails name neither the body, the title
// nor the sender.
func TestEmailFallback(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { emailFallback(t, apptest.New(t, false)) })
	t.Run("postgres", func(t *testing.T) { emailFallback(t, apptest.NewPostgres(t, false)) })
}

func emailFallback(t *testing.T, f *apptest.Fixture) {
	ctx := context.Background()
	in := mailtest.Start(t)
	m, err := mail.Open(in.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{f: f, in: in, m: m}
	docU, docPW := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", sender)
	nurseU, nursePW := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nurse Nell")
	amyU, amyPW := f.AddUser(t, ward.RoleStaff, "amy@stmary.example", "Amy Pushed")
	e.doc, _ = f.MustLogin(t, docU.Email, docPW, "doc-laptop")
	nurse, _ := f.MustLogin(t, nurseU.Email, nursePW, "nurse-laptop")
	amy, _ := f.MustLogin(t, amyU.Email, amyPW, "amy-phone")
	// Amy's phone has a live push subscription (what is sealed does not matter here).
	if err := f.Store.Write(ctx, func(tx *store.Tx) error {
		return tx.PutPushSubscription(ctx, &store.PushSubscription{DeviceID: amy.Device.ID, OrgID: f.Org.ID, UserID: amyU.ID,
			SessionID: amy.Session.ID, Sealed: []byte("sealed")})
	}); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.App.CreateConversation(ctx, e.doc, app.NewConversation{Kind: ward.Group, Title: title, Members: []string{nurseU.ID, amyU.ID}})
	if err != nil {
		t.Fatal(err)
	}
	e.conv = c.ID
	d := newDigest(t, e, m)

	e.send(t, ward.Normal)
	f.Clock.Advance(14*time.Minute + 59*time.Second)
	if n := e.run(t, d); n != 0 {
		t.Fatalf("%d emails before 15 minutes", n)
	}
	f.Clock.Advance(time.Second)
	if n := e.run(t, d); n != 1 || len(e.mails(nurseU.Email)) != 1 {
		t.Fatalf("after 15 minutes: %d emails, %d to the nurse; want 1", n, len(e.mails(nurseU.Email)))
	}
	body := e.mails(nurseU.Email)[0]
	if !strings.Contains(body, "You have 1 unread message in ward") || !strings.Contains(body, link) || !strings.Contains(body, "St Mary") {
		t.Errorf("the email says:\n%s", body)
	}
	if len(e.mails(amyU.Email)) != 0 {
		t.Error("a user with a live push subscription was emailed")
	}

	// Within the hour: nothing, also from a new Service (a restart).
	e.send(t, ward.Normal)
	f.Clock.Advance(30 * time.Minute)
	if n := e.run(t, newDigest(t, e, m)); n != 0 {
		t.Fatalf("%d emails within the hour", n)
	}
	// An unreachable mail server: nothing sent, nothing recorded.
	bad, err := mail.Open("smtp+insecure://127.0.0.1:1?from=ward@clinic.example")
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(31 * time.Minute)
	if n := e.run(t, newDigest(t, e, bad)); n != 0 {
		t.Fatalf("%d emails through a dead server", n)
	}
	if n := e.run(t, d); n != 1 || !strings.Contains(e.mails(nurseU.Email)[1], "You have 2 unread messages") {
		t.Fatalf("after the hour: %d emails: %q", n, e.mails(nurseU.Email))
	}

	// Urgent: at once, within the hour, once.
	e.send(t, ward.Urgent)
	if n := e.run(t, d); n != 1 || !strings.Contains(e.mails(nurseU.Email)[2], "urgent message") {
		t.Fatalf("an urgent message: %d emails: %q", n, e.mails(nurseU.Email))
	}
	if n := e.run(t, d); n != 0 {
		t.Fatalf("the urgent message mailed again: %d", n)
	}

	// Quiet hours hold the digest; an urgent one breaks through.
	p := prefs.Default()
	p.QuietHours = &prefs.QuietHours{From: "00:00", To: "23:59", TimeZone: "UTC"}
	if _, err := prefs.New(f.Store).Put(ctx, nurse, p); err != nil {
		t.Fatal(err)
	}
	e.send(t, ward.Normal)
	f.Clock.Advance(2 * time.Hour)
	if n := e.run(t, d); n != 0 {
		t.Fatalf("%d digests in quiet hours", n)
	}
	e.send(t, ward.Urgent)
	if n := e.run(t, d); n != 1 {
		t.Fatalf("an urgent message in quiet hours: %d emails", n)
	}
	all := e.in.All()
	if len(all) != 4 {
		t.Errorf("%d emails in all, want 4", len(all))
	}
	for _, m := range all {
		for _, phi := range []string{"CANARY", "Jones", "Zebedee", "Nurse Nell"} {
			if strings.Contains(m.Body, phi) {
				t.Errorf("an email holds %q:\n%s", phi, m.Body)
			}
		}
	}
}

// TestEmailFallbackOff: email_unread_after 0 turns the email off.
func TestEmailFallbackOff(t *testing.T) {
	ctx := context.Background()
	f := apptest.New(t, false)
	in := mailtest.Start(t)
	m, _ := mail.Open(in.URL)
	e := &env{f: f, in: in, m: m}
	docU, docPW := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", sender)
	nurseU, _ := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nurse Nell")
	e.doc, _ = f.MustLogin(t, docU.Email, docPW, "doc-laptop")
	c, _, err := f.App.CreateConversation(ctx, e.doc, app.NewConversation{Kind: ward.Direct, Members: []string{nurseU.ID}})
	if err != nil {
		t.Fatal(err)
	}
	e.conv = c.ID
	if err := f.Store.Write(ctx, func(tx *store.Tx) error {
		pol := ward.DefaultPolicy()
		pol.EmailUnreadAfter = 0
		return tx.PutPolicy(ctx, f.Org.ID, pol)
	}); err != nil {
		t.Fatal(err)
	}
	e.send(t, ward.Normal)
	e.send(t, ward.Urgent)
	f.Clock.Advance(2 * time.Hour)
	if n := e.run(t, newDigest(t, e, m)); n != 0 || len(in.All()) != 0 {
		t.Fatalf("%d emails with the fallback off", n)
	}
}

// TestEmailFallbackPatient (issue 23): a patient with no push gets the
// email fallback too. Their address is sealed in the users row (a blind
// index), opened in memory only to address the mail; they get exactly one
// PHI-free digest (the clinic, a count and a link; no body, no name, no
// sender), audited notify.patient_emailed without the address; without a
// way to open addresses, a patient gets nothing.
func TestEmailFallbackPatient(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { emailFallbackPatient(t, apptest.New(t, false)) })
	t.Run("postgres", func(t *testing.T) { emailFallbackPatient(t, apptest.NewPostgres(t, false)) })
}

func emailFallbackPatient(t *testing.T, f *apptest.Fixture) {
	ctx := context.Background()
	in := mailtest.Start(t)
	m, err := mail.Open(in.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{f: f, in: in, m: m}
	const addr = "jones.canary@home.example"
	docU, docPW := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", sender)
	patU, _ := f.AddUser(t, ward.RolePatient, addr, "Mrs Jones Canary")
	e.doc, _ = f.MustLogin(t, docU.Email, docPW, "doc-laptop")
	if err := f.Store.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, f.Org.ID, patU.ID)
		if err == nil && (strings.Contains(u.Email, "jones") || u.Name != "") {
			t.Errorf("the patient's identity is not sealed: %q %q", u.Email, u.Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.App.CreateConversation(ctx, e.doc, app.NewConversation{Kind: ward.Direct, Members: []string{patU.ID}})
	if err != nil {
		t.Fatal(err)
	}
	e.conv = c.ID
	e.send(t, ward.Normal)
	f.Clock.Advance(15 * time.Minute)
	if n := e.run(t, newDigest(t, e, m)); n != 0 || len(in.All()) != 0 {
		t.Fatalf("%d emails to a patient with no way to open their address", n)
	}

	d := digest.New(digest.Config{Store: f.Store, Mailer: m, Link: link, Patients: f.App})
	if n := e.run(t, d); n != 1 {
		t.Fatalf("%d emails, want 1", n)
	}
	if n := e.run(t, d); n != 0 {
		t.Fatalf("mailed again within the hour: %d", n)
	}
	all := in.All()
	if len(all) != 1 || all[0].To != addr {
		t.Fatalf("mails %+v, want one to the patient's address", all)
	}
	body := all[0].Body
	if !strings.Contains(body, "You have 1 unread message in ward") || !strings.Contains(body, link) || !strings.Contains(body, "St Mary") {
		t.Errorf("the email says:\n%s", body)
	}
	for _, phi := range []string{"CANARY", "Canary", "Jones", "Zebedee", title} {
		if strings.Contains(body, phi) {
			t.Errorf("the email holds %q:\n%s", phi, body)
		}
	}
	evs := f.AuditEvents(t, audit.PatientEmailed)
	if len(evs) != 1 || evs[0]["resource_id"] != patU.ID || evs[0]["patient_id"] != patU.ID {
		t.Fatalf("notify.patient_emailed events: %v", evs)
	}
	if r := fmt.Sprint(evs[0]["reason"]); strings.Contains(r, "jones") || !strings.Contains(r, "1 unread") {
		t.Errorf("the audit reason: %q", r)
	}
}
