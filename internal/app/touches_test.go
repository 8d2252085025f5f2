package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// storedLastSeen reads a session's and its device's last activity from the
// store, not from any node's memory.
func storedLastSeen(t *testing.T, f *Fixture, token string) (session, device time.Time) {
	t.Helper()
	err := f.Store.Read(context.Background(), func(tx *store.Tx) error {
		s, err := tx.SessionByTokenHash(context.Background(), auth.HashSessionToken(token))
		if err != nil {
			return err
		}
		d, err := tx.DeviceByID(context.Background(), s.OrgID, s.DeviceID)
		session, device = s.LastSeenAt, d.LastSeenAt
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return session, device
}

// A request refreshes its session and device in the background: the
// store has the refresh within a couple of seconds without anything else
// happening, and the node that recorded it sees it at once.
func TestSessionRefreshIsWrittenInTheBackground(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	_, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	signedIn, _ := storedLastSeen(t, f, token)
	idle := ward.DefaultPolicy().IdleTimeout.D()

	// The first refresh starts the flusher, which writes it at once; the
	// second comes while the flusher waits for its next round.
	f.Clock.Advance(idle * 2 / 3)
	if _, err := f.App.Authenticate(ctx, token, "10.0.0.7"); err != nil {
		t.Fatal(err)
	}
	waitStored(t, f, token, f.Clock.Now())
	f.Clock.Advance(idle * 2 / 3)
	if _, err := f.App.Authenticate(ctx, token, "10.0.0.7"); err != nil {
		t.Fatal(err)
	}
	want := f.Clock.Now()
	// The second refresh is likely not written yet (the flusher waits a
	// second between writes). This node reads the session from the store
	// again (its cache dropped), where it looks idle (last seen 17.5
	// minutes before, idle timeout 15), and still knows better.
	f.App.Broker().Publish(ctx, realtime.Event{Type: realtime.AccessChanged})
	f.Clock.Advance(idle / 2)
	if _, err := f.App.Authenticate(ctx, token, "10.0.0.7"); err != nil {
		t.Fatalf("the node that recorded the refresh refused the session: %v", err)
	}
	waitStored(t, f, token, want)
	if s, _ := storedLastSeen(t, f, token); s.Equal(signedIn) {
		t.Error("the store still has the sign-in time")
	}
}

// waitStored waits, at most 10 s, until the store has a session and its
// device last seen at want or later.
func waitStored(t *testing.T, f *Fixture, token string, want time.Time) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, d := storedLastSeen(t, f, token)
		if !s.Before(want) && !d.Before(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the store has session %s, device %s; want %s", s, d, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FlushTouches writes what is recorded at once (a clean shutdown).
func TestFlushTouchesWritesAtOnce(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	_, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	for range 3 {
		f.Clock.Advance(time.Minute)
		if _, err := f.App.Authenticate(ctx, token, "10.0.0.8"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.App.FlushTouches(ctx); err != nil {
		t.Fatal(err)
	}
	if s, d := storedLastSeen(t, f, token); !s.Equal(f.Clock.Now()) || !d.Equal(f.Clock.Now()) {
		t.Errorf("after FlushTouches the store has session %s, device %s; want %s", s, d, f.Clock.Now())
	}
}
