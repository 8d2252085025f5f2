package apptest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/wardhealth/ward/internal/clocktest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/inbox"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/replies"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
	"github.com/wardhealth/ward/internal/teams"
)

// Clock is the shared test clock.
type Clock = clocktest.Clock

// NewClock starts a clock at 2026-11-24 08:00 UTC.
func NewClock() *Clock { return clocktest.New() }

// Fixture is an App over a real SQLite store with one org and its owner.
type Fixture struct {
	App      *app.App
	Patients *patients.Service // patient records; the App asks them about conversations' patient_id
	Replies  *replies.Service  // saved replies and team hours
	// Teams, Inbox and Invitations are the capabilities beside app, wired
	// to it as internal/server wires them.
	Teams       *teams.Service
	Inbox       *inbox.Service
	Invitations *invitations.Service
	Store       *store.Store
	Keyring     *keyring.Keyring
	Recorder    *audit.Recorder
	Hasher      *auth.Hasher // the App's (FastHasher): Hashes counts what sign-ins cost
	Clock       *Clock
	Org         ward.Org
	Owner       ward.User
	OwnerPW     string
	// DataDir holds the database files and the blob folder (DataDir/blobs).
	DataDir string
	Blobs   *blob.Dir

	mu      sync.Mutex
	secrets map[string]string // device secrets the server issued, by email and device id
}

// fastHasher keeps tests quick; production uses auth.DefaultParams.
func FastHasher(tb testing.TB) *auth.Hasher {
	h, err := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// Option changes how New builds a Fixture.
type Option func(*options)

type options struct {
	broker func(*store.Store, *keyring.Keyring) realtime.Broker
}

// WithBroker gives the App the broker fn returns (over the fixture's store
// and keyring) instead of an in-process one: a broker that also pushes
// (internal/notify/push.Tap).
func WithBroker(fn func(*store.Store, *keyring.Keyring) realtime.Broker) Option {
	return func(o *options) { o.broker = fn }
}

// New builds a Fixture on SQLite; mfa sets the org's MFA policy.
func New(tb testing.TB, mfa bool, opts ...Option) *Fixture {
	tb.Helper()
	clock := NewClock()
	dataDir := tb.TempDir()
	storetest.SeedSQLite(tb, dataDir) // migrated already: Migrate below finds nothing to do
	st, err := store.Open(context.Background(), store.Options{DataDir: dataDir, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return build(tb, mfa, clock, dataDir, st, opts...)
}

// NewPostgres is New on a PostgreSQL store in a fresh schema of the
// WARD_TEST_POSTGRES database (skipped when it is unset, as storetest).
func NewPostgres(tb testing.TB, mfa bool, opts ...Option) *Fixture {
	tb.Helper()
	clock := NewClock()
	return build(tb, mfa, clock, tb.TempDir(), storetest.Postgres(tb, clock.Now), opts...)
}

// build makes the Fixture over a migrated store.
func build(tb testing.TB, mfa bool, clock *Clock, dataDir string, st *store.Store, opts ...Option) *Fixture {
	tb.Helper()
	ctx := context.Background()
	prov, err := keyring.FileProvider(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: prov, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	rec := audit.NewRecorder(st, audit.RecorderOptions{})
	tb.Cleanup(func() { rec.Close() })
	blobs, err := blob.NewDir(filepath.Join(dataDir, "blobs"))
	if err != nil {
		tb.Fatal(err)
	}
	pats, err := patients.New(patients.Config{Store: st, Keyring: kr, Audit: rec, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var broker realtime.Broker
	if o.broker != nil {
		broker = o.broker(st, kr)
	}
	hasher := FastHasher(tb)
	a, err := app.New(app.Config{Store: st, Keyring: kr, Audit: rec, Now: clock.Now, Hasher: hasher, Blobs: blobs,
		Patients: pats, Broker: broker})
	if err != nil {
		tb.Fatal(err)
	}
	rp := replies.New(replies.Config{Store: st, Keyring: kr, Patients: pats, Now: clock.Now})
	f := &Fixture{App: a, Patients: pats, Replies: rp, Store: st, Keyring: kr, Recorder: rec, Hasher: hasher, Clock: clock, OwnerPW: "owner passphrase long enough",
		DataDir: dataDir, Blobs: blobs, Teams: teams.New(st),
		Inbox:       inbox.New(inbox.Config{Store: st, Audit: rec, Conversations: a, AutoReplies: rp, Now: clock.Now}),
		Invitations: invitations.New(invitations.Config{Store: st, Contacts: pats, Accounts: a, Now: clock.Now})}
	a.SetPatientMessageHook(f.Inbox)
	f.Org, f.Owner, _, err = a.CreateOrg(ctx, app.InitOrg{Name: "St Mary", AdminEmail: "owner@stmary.example",
		AdminName: "Olive Owner", Password: f.OwnerPW, MFARequired: mfa})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// AddUser adds a user with a password of its own and returns both.
func (f *Fixture) AddUser(tb testing.TB, role ward.Role, email, name string) (ward.User, string) {
	tb.Helper()
	pw := "pw for " + email + " is long"
	u, err := f.App.AddUser(context.Background(), f.Org.Slug, app.NewUser{Email: email, Name: name, Role: role, Password: pw})
	if err != nil {
		tb.Fatal(err)
	}
	return u, pw
}

// Login signs in from a device and address. Like a real client, it keeps
// the device secret the server issues at a device's first sign-in (also
// with device_pending) and sends it with the device's later sign-ins.
func (f *Fixture) Login(email, pw, device, ip string) (app.LoginResult, error) {
	key := ward.NormalizeEmail(email) + "|" + device
	f.mu.Lock()
	secret := f.secrets[key]
	f.mu.Unlock()
	res, err := f.App.Login(context.Background(), app.LoginRequest{Email: email, Password: pw,
		DeviceID: device, DeviceSecret: secret, DeviceName: "test " + device, IP: ip})
	issued := res.DeviceSecret
	var we *ward.Error
	if errors.As(err, &we) && we.DeviceSecret != "" {
		issued = we.DeviceSecret
	}
	if issued != "" {
		f.mu.Lock()
		if f.secrets == nil {
			f.secrets = map[string]string{}
		}
		f.secrets[key] = issued
		f.mu.Unlock()
	}
	return res, err
}

// MustLogin signs in and authenticates the new session.
func (f *Fixture) MustLogin(tb testing.TB, email, pw, device string) (*app.Principal, string) {
	tb.Helper()
	res, err := f.Login(email, pw, device, "10.0.0.1")
	if err != nil {
		tb.Fatalf("login %s: %v", email, err)
	}
	p, err := f.App.Authenticate(context.Background(), res.Token, "10.0.0.1")
	if err != nil {
		tb.Fatalf("authenticate %s: %v", email, err)
	}
	return p, res.Token
}

// AuditActions returns the actions of every audit event so far, in order.
func (f *Fixture) AuditActions(tb testing.TB) []string {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		tb.Fatal(err)
	}
	var actions []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var rec struct {
			Action string `json:"action"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Action != "" {
			actions = append(actions, rec.Action)
		}
	}
	return actions
}

// WantCode fails the test unless err carries code.
func WantCode(tb testing.TB, err error, code ward.Code) {
	tb.Helper()
	if got := ward.ErrorCode(err); got != code {
		tb.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
}

// AuditEvents returns every audit event with the given action so far, in
// order, as the JSON Lines export writes them.
func (f *Fixture) AuditEvents(tb testing.TB, action audit.Action) []map[string]any {
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

// Principal stores a user of the org with the given role and returns them
// as a signed-in caller (no session: for use cases that check only the
// role and the org).
func (f *Fixture) Principal(tb testing.TB, name string, role ward.Role) *app.Principal {
	tb.Helper()
	u := ward.User{ID: "u-" + name, OrgID: f.Org.ID, Email: name + "@stmary.example", Name: name, Role: role}
	if err := f.Store.Write(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), &u) }); err != nil {
		tb.Fatal(err)
	}
	return &app.Principal{User: u, Policy: ward.DefaultPolicy(), IP: "10.0.0.9",
		Device: ward.Device{ID: "d-" + name, OrgID: f.Org.ID, UserID: u.ID}}
}

// EventLog keeps the realtime events a broker published: subscribe its
// Add (as WithBroker's broker, or a test's own).
type EventLog struct {
	mu     sync.Mutex
	events []realtime.Event
}

// Add keeps ev.
func (l *EventLog) Add(ev realtime.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

// Take returns the events of a type published since the last Take, and
// forgets every event.
func (l *EventLog) Take(typ string) []realtime.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []realtime.Event
	for _, ev := range l.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	l.events = nil
	return out
}
