package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// msgFixture is an App over a real SQLite store in Dir, with one org and
// principals made straight from stored users (no sign-in needed).
type msgFixture struct {
	App      *app.App
	Store    *store.Store
	Keyring  *keyring.Keyring
	Recorder *audit.Recorder
	Clock    *apptest.Clock
	Dir      string
	Org      ward.Org
	Events   *apptest.EventLog
	broker   *realtime.LocalBroker
	keyDir   string
	// sendLimit, when set, is the App's staff send limit (benchmarks send
	// from one user far faster than any person).
	sendLimit app.SendLimit
}

// mustMsgFixture builds a msgFixture on SQLite.
func mustMsgFixture(tb testing.TB) *msgFixture { return mustMsgFixtureOn(tb, "") }

// mustMsgFixtureOn builds a msgFixture on the database dbURL names: ""
// for SQLite in Dir, or a PostgreSQL URL.
func mustMsgFixtureOn(tb testing.TB, dbURL string) *msgFixture {
	tb.Helper()
	ctx := context.Background()
	f := &msgFixture{Clock: apptest.NewClock(), Dir: tb.TempDir(),
		keyDir: tb.TempDir(), Events: &apptest.EventLog{}, broker: realtime.NewLocalBroker()}
	f.broker.Subscribe(f.Events.Add)
	st, err := store.Open(ctx, store.Options{URL: dbURL, DataDir: f.Dir, Now: f.Clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	f.Store = st
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	f.open(tb)
	f.Org = ward.Org{ID: "org-" + ward.Slugify(tb.Name()), Slug: "st-mary", Name: "St Mary"}
	f.write(tb, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &f.Org) })
	return f
}

// open (re)builds the keyring, recorder and App over f.Store: calling it
// again is a restart.
func (f *msgFixture) open(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	prov, err := keyring.FileProvider(f.keyDir)
	if err != nil {
		tb.Fatal(err)
	}
	if f.Keyring, err = keyring.New(ctx, keyring.Config{Store: f.Store, Provider: prov, Now: f.Clock.Now}); err != nil {
		tb.Fatal(err)
	}
	f.Recorder = audit.NewRecorder(f.Store, audit.RecorderOptions{})
	rec := f.Recorder
	tb.Cleanup(func() { rec.Close() })
	f.App, err = app.New(app.Config{Store: f.Store, Keyring: f.Keyring, Audit: f.Recorder, Broker: f.broker,
		Now: f.Clock.Now, Hasher: apptest.FastHasher(tb), StaffSendLimit: f.sendLimit})
	if err != nil {
		tb.Fatal(err)
	}
}

// benchSendLimit restarts f's App with a staff send limit no benchmark
// meets: the limiter still runs on every send, and is measured with it.
func (f *msgFixture) benchSendLimit(tb testing.TB) *msgFixture {
	tb.Helper()
	f.sendLimit = app.SendLimit{Rate: 1e9, Burst: 1 << 30}
	f.open(tb)
	return f
}

func (f *msgFixture) write(tb testing.TB, fn func(tx *store.Tx) error) {
	tb.Helper()
	if err := f.Store.Write(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}

// user stores a user of the org and returns them as a signed-in principal.
func (f *msgFixture) user(tb testing.TB, name string, role ward.Role) *app.Principal {
	tb.Helper()
	u := ward.User{ID: "u-" + name, OrgID: f.Org.ID, Email: name + "@stmary.example", Name: name, Role: role}
	f.write(tb, func(tx *store.Tx) error { return tx.CreateUser(context.Background(), &u) })
	return &app.Principal{User: u, Policy: ward.DefaultPolicy(), IP: "10.0.0.9",
		Device: ward.Device{ID: "d-" + name, OrgID: f.Org.ID, UserID: u.ID}}
}

// setPolicy changes the org's policy.
func (f *msgFixture) setPolicy(tb testing.TB, change func(*ward.Policy)) {
	tb.Helper()
	p := ward.DefaultPolicy()
	change(&p)
	f.write(tb, func(tx *store.Tx) error { return tx.PutPolicy(context.Background(), f.Org.ID, p) })
}

// direct starts (or finds) the direct conversation of a and b.
func (f *msgFixture) direct(tb testing.TB, a, b *app.Principal) ward.Conversation {
	tb.Helper()
	c, _, err := f.App.CreateConversation(context.Background(), a, app.NewConversation{Kind: ward.Direct, Members: []string{b.User.ID}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// send sends a normal message and fails the test on error.
func (f *msgFixture) send(tb testing.TB, p *app.Principal, convID, clientID, body string) ward.Message {
	tb.Helper()
	m, _, err := f.App.SendMessage(context.Background(), p, convID, app.SendRequest{ClientID: clientID, Body: body})
	if err != nil {
		tb.Fatalf("send %s: %v", clientID, err)
	}
	return m
}

// auditEvents returns every audit event so far with the given action.
func (f *msgFixture) auditEvents(tb testing.TB, action audit.Action) []map[string]any {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		tb.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["action"] == string(action) {
			out = append(out, rec)
		}
	}
	return out
}

// msgWantCode fails unless err is a ward.Error with code.
func msgWantCode(tb testing.TB, err error, code ward.Code, what string) {
	tb.Helper()
	var we *ward.Error
	if err == nil || !errors.As(err, &we) || we.Code != code {
		tb.Fatalf("%s: error %v, want code %s", what, err, code)
	}
}
