package monitor_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
)

// world is an org with staff of every role, patient records, a monitor
// and a compliance service over one store, a broker and a mail server.
type world struct {
	f                    *apptest.Fixture
	m                    *monitor.Monitor
	cs                   *compliance.Service
	broker               *realtime.LocalBroker
	inbox                *mailtest.Inbox
	mailer               *mail.Mailer
	owner, admin         *access.Principal
	comp, doc, nurse, er *access.Principal
	recs                 []patients.Record
	pws                  map[string]string // by user id
	sealer               *audit.Sealer
	mu                   sync.Mutex
	live                 []realtime.Event
}

func newWorld(t testing.TB) *world { return newWorldOn(t, apptest.New(t, false)) }

func newWorldOn(t testing.TB, f *apptest.Fixture) *world {
	ctx := context.Background()
	w := &world{f: f, broker: realtime.NewLocalBroker(), pws: map[string]string{}}
	w.inbox = mailtest.Start(t)
	m, err := mail.Open(w.inbox.URL)
	if err != nil {
		t.Fatal(err)
	}
	w.mailer = m
	if w.sealer, err = audit.NewSealer(f.Store, audit.SealerOptions{}); err != nil {
		t.Fatal(err)
	}
	w.m = w.newMonitor()
	w.cs = compliance.New(compliance.Config{Store: f.Store, Keyring: f.Keyring, Transcripts: f.App, Broker: w.broker, Now: f.Clock.Now})
	login := func(role ward.Role, name string) *access.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		w.pws[u.ID] = pw
		return p
	}
	w.owner, _ = f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner")
	w.admin, w.comp = login(ward.RoleAdmin, "admin"), login(ward.RoleCompliance, "comp")
	w.doc, w.nurse, w.er = login(ward.RoleClinician, "doc"), login(ward.RoleStaff, "nurse"), login(ward.RoleClinician, "er")
	for i := range 8 {
		r, err := f.Patients.Create(ctx, w.nurse, patients.Fields{MRN: fmt.Sprint("M-", i), GivenName: "Pat", FamilyName: fmt.Sprint("Number", i), BirthDate: "1970-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		w.recs = append(w.recs, r)
	}
	cancel := w.broker.Subscribe(func(ev realtime.Event) {
		if ev.Type == monitor.AlertRaised {
			w.mu.Lock()
			w.live = append(w.live, ev)
			w.mu.Unlock()
		}
	})
	t.Cleanup(cancel)
	t.Cleanup(w.m.Wait)
	return w
}

func (w *world) newMonitor() *monitor.Monitor {
	return monitor.New(monitor.Config{Store: w.f.Store, Keyring: w.f.Keyring, Broker: w.broker, Mailer: w.mailer,
		ConsoleLink: "https://ward.example/compliance", Now: w.f.Clock.Now, Batch: 64})
}

// run runs the monitor and returns how many alerts it raised.
func (w *world) run(t testing.TB) int {
	t.Helper()
	if _, err := w.sealer.Seal(context.Background()); err != nil { // as the server's sealer does every few seconds
		t.Fatal(err)
	}
	n, err := w.m.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// alerts lists the org's alerts of rule (all rules: "").
func (w *world) alerts(t testing.TB, rule monitor.Rule) []monitor.Alert {
	t.Helper()
	all, err := w.m.List(context.Background(), w.comp, monitor.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []monitor.Alert
	for _, a := range all {
		if rule == "" || a.Rule == rule {
			out = append(out, a)
		}
	}
	return out
}

// policy changes the org's policy through the owner.
func (w *world) policy(t testing.TB, change func(*ward.Policy)) {
	t.Helper()
	ctx := context.Background()
	p, err := w.f.App.Policy(ctx, w.owner)
	if err != nil {
		t.Fatal(err)
	}
	change(&p)
	if _, err := w.f.App.UpdatePolicy(ctx, w.owner, p); err != nil {
		t.Fatal(err)
	}
}

// read has p read the records of recs (patient.read, through the patients service).
func (w *world) read(t testing.TB, p *access.Principal, recs ...patients.Record) {
	t.Helper()
	for _, r := range recs {
		if _, err := w.f.Patients.Get(context.Background(), p, r.ID); err != nil {
			t.Fatal(err)
		}
		w.f.Clock.Advance(time.Second)
	}
}

func (w *world) liveEvents() []realtime.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]realtime.Event(nil), w.live...)
}

func ids(recs []patients.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func adminPW(t testing.TB, w *world) string { return w.pws[w.admin.User.ID] }
