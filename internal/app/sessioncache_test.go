package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
)

// secondNode is another App over the fixture's store with a broker of its
// own: the command line beside a running server, or a node without a
// shared broker. Its changes reach the fixture's App only through the store.
func secondNode(t *testing.T, f *Fixture) *app.App {
	t.Helper()
	b, err := app.New(app.Config{Store: f.Store, Keyring: f.Keyring, Audit: f.Recorder, Now: f.Clock.Now,
		Hasher: apptest.FastHasher(t), Blobs: f.Blobs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A device locked by another process is refused here within 5 s, though
// no event told this node: the access counter moved.
func TestSessionCacheSeesAnotherNodesLockWithin5s(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	pn, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	res, err := f.Login(f.Owner.Email, f.OwnerPW, "device-owner-1", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	// Many quiet seconds first: the entry lives on by the counter, not by
	// the time it was read.
	for range 30 {
		f.Clock.Advance(time.Second)
		if _, err := f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
			t.Fatalf("live session refused: %v", err)
		}
	}
	other := secondNode(t, f)
	po, err := other.Authenticate(ctx, res.Token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ActOnDevice(ctx, po, pn.Device.ID, app.LockDevice); err != nil {
		t.Fatal(err)
	}
	locked := f.Clock.Now()
	for f.Clock.Now().Sub(locked) <= 5*time.Second {
		if _, err := f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
			wantCode(t, err, ward.CodeUnauth)
			return
		}
		f.Clock.Advance(250 * time.Millisecond)
	}
	t.Fatal("a device locked by another node was still served 5 s later")
}

// While the access counter stays put, a cached session is not read again:
// a change that does not move it (here a device renamed behind the app's
// back) stays unseen, and one that does is seen.
func TestSessionCacheRenewsWhileTheCounterStaysPut(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	pn, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	if _, err := f.Store.ExecRaw(ctx, "UPDATE devices SET name = 'renamed' WHERE id = $1", pn.Device.ID); err != nil {
		t.Fatal(err)
	}
	for range 60 {
		f.Clock.Advance(time.Second)
		p, err := f.App.Authenticate(ctx, token, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Device.Name == "renamed" {
			t.Fatalf("the session was read again at %s although nothing moved the access counter", f.Clock.Now())
		}
	}
	if _, err := f.Store.ExecRaw(ctx, "UPDATE access_epoch SET n = n + 1"); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(5 * time.Second)
	p, err := f.App.Authenticate(ctx, token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Device.Name != "renamed" {
		t.Errorf("device name %q: the moved counter did not make the cache read the session again", p.Device.Name)
	}
}

// A session kept alive on another node is not ended here for idleness
// because this node's cached copy last saw it long ago.
func TestSessionCacheRereadsASessionThatLooksIdle(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	_, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	idle := ward.DefaultPolicy().IdleTimeout.D()
	other := secondNode(t, f)
	for range 3 {
		f.Clock.Advance(idle * 2 / 3)
		if _, err := other.Authenticate(ctx, token, "10.0.0.2"); err != nil {
			t.Fatalf("the other node refused a live session: %v", err)
		}
	}
	// The other node writes its refreshes in the background, within a
	// second (touches.go); here, at once.
	if err := other.FlushTouches(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
		t.Fatalf("a session used on another node %s ago was refused as idle: %v", idle*2/3, err)
	}
}
