package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

var testMACKey = bytes.Repeat([]byte{7}, 32)

// macStore makes st MAC its audit rows, as ward serve does.
func macStore(st *store.Store) *store.Store {
	audit.MACOnInsert(st, testMACKey)
	return st
}

func macSealer(tb testing.TB, st *store.Store) *audit.Sealer {
	tb.Helper()
	s, err := audit.NewSealer(st, audit.SealerOptions{Key: testKey(1), MACKey: testMACKey, Batch: 64})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func sealAndSign(tb testing.TB, s *audit.Sealer) {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.Seal(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := s.Checkpoint(ctx); err != nil {
		tb.Fatal(err)
	}
}

func verifyMAC(st *store.Store) (audit.Report, error) {
	return audit.VerifyWith(context.Background(), st, audit.VerifyOptions{Trusted: []ed25519.PublicKey{pub(testKey(1))}, MACKey: testMACKey})
}

// wantMACProblem verifies with the MAC key and checks the first problem.
func wantMACProblem(t *testing.T, st *store.Store, seq, id int64, kind audit.Kind) {
	t.Helper()
	_, err := verifyMAC(st)
	var p *audit.Problem
	if !errors.As(err, &p) || ward.ErrorCode(err) != ward.CodeIntegrity {
		t.Fatalf("Verify = %v, want a Problem at seq %d id %d (%s)", err, seq, id, kind)
	}
	if p.Seq != seq || p.Kind != kind || (id != 0 && p.ID != id) {
		t.Fatalf("Verify found %v (id %d); want seq %d id %d, %s", p, p.ID, seq, id, kind)
	}
}

func rowBySeq(t *testing.T, st *store.Store, seq int64) store.AuditRow {
	t.Helper()
	var r store.AuditRow
	err := st.Read(context.Background(), func(tx *store.Tx) (err error) {
		r, err = tx.AuditRowBySeq(context.Background(), seq)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// forge inserts a row as a database writer would, without the MAC key:
// unsealed (seq NULL), or sealed at the head with a correct chain hash.
func forge(t *testing.T, st *store.Store, at time.Time, sealedAfter int64) int64 {
	t.Helper()
	ctx := context.Background()
	e := audit.Event{Time: at.UTC().Truncate(time.Microsecond), OrgID: "org-1", Actor: audit.Actor{UserID: "user-9", Role: "admin"},
		Action: audit.LoginSucceeded, Outcome: audit.Success}
	if sealedAfter == 0 {
		mustExec(t, st, "INSERT INTO audit_events (at, org_id, actor_user_id, actor_role, action, outcome) VALUES ($1, $2, $3, $4, $5, $6)",
			e.Time.UnixMicro(), e.OrgID, e.Actor.UserID, e.Actor.Role, string(e.Action), string(e.Outcome))
	} else {
		prev := rowBySeq(t, st, sealedAfter).Hash
		e.Seq = sealedAfter + 1
		mustExec(t, st, "INSERT INTO audit_events (seq, at, org_id, actor_user_id, actor_role, action, outcome, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			e.Seq, e.Time.UnixMicro(), e.OrgID, e.Actor.UserID, e.Actor.Role, string(e.Action), string(e.Outcome), prev, audit.ChainHash(prev, &e))
	}
	var id int64
	st.Read(ctx, func(tx *store.Tx) error {
		return tx.AuditRows(ctx, store.AuditQuery{Newest: true, Limit: 1}, func(r *store.AuditRow) error { id = r.ID; return nil })
	})
	return id
}

// A row written into the database without the key is not sealed: the
// sealer seals what came before it and stops there, naming it; Verify
// flags it by id; a forged row already sealed at the head is flagged by seq.
func TestSealerRefusesForgedRow(t *testing.T) {
	clock := clocktest.New()
	storetest.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		macStore(st)
		s := macSealer(t, st)
		mustAppend(t, st, 0, 10)
		sealAndSign(t, s)
		if rep, err := verifyMAC(st); err != nil || rep.Events != 10 || rep.WithoutMAC != 0 || !rep.MACsChecked {
			t.Fatalf("intact: %+v %v", rep, err)
		}
		id := forge(t, st, clock.Now().AddDate(0, -3, 0), 0)
		mustAppend(t, st, 10, 3)
		n, err := s.Seal(ctx)
		var p *audit.Problem
		if !errors.As(err, &p) || p.ID != id || p.Kind != audit.Forged || ward.ErrorCode(err) != ward.CodeIntegrity {
			t.Fatalf("Seal = %d, %v; want the forged row id %d refused", n, err, id)
		}
		if r := rowBySeq(t, st, 10); r.ActorUserID == "user-9" {
			t.Fatal("the forged row was sealed")
		}
		wantMACProblem(t, st, 0, id, audit.Forged)
		// A forged MAC is no better.
		mustExec(t, st, "UPDATE audit_events SET mac = $1 WHERE id = $2", bytes.Repeat([]byte{1}, 32), id)
		if _, err := s.Seal(ctx); !errors.As(err, &p) || p.ID != id {
			t.Fatalf("Seal with a made-up MAC = %v", err)
		}
		// Once the operator removes it, sealing carries on.
		mustExec(t, st, "DELETE FROM audit_events WHERE id = $1", id)
		sealAndSign(t, s)
		if rep, err := verifyMAC(st); err != nil || rep.Events != 13 {
			t.Fatalf("after removing the forged row: %+v %v", rep, err)
		}
		// Sealed at the head, with a chain hash anyone can compute.
		forge(t, st, clock.Now(), 13)
		wantMACProblem(t, st, 14, 0, audit.Forged)
	})
}

// Rows from before MACs (none carry one) are checked by chain and
// checkpoints only; once an event has a MAC, a later one without is
// forged, and stripping MACs breaks the chain (it covers them).
func TestVerifyRowsFromBeforeMACs(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		mustChain(t, st, 5) // no MAC key: as an older ward wrote them
		macStore(st)
		s := macSealer(t, st)
		mustAppend(t, st, 5, 5)
		sealAndSign(t, s)
		rep, err := verifyMAC(st)
		if err != nil || rep.WithoutMAC != 5 || rep.Events != 10 {
			t.Fatalf("%+v %v", rep, err)
		}
		mustExec(t, st, "UPDATE audit_events SET mac = NULL WHERE seq = 8")
		wantMACProblem(t, st, 8, 0, audit.Edited)
		rechain(t, st, 8) // still no good: the MAC era began at seq 6
		wantMACProblem(t, st, 8, 0, audit.Forged)
	})
}

// TestVerifyTimeBackwards moves a genuine event (its MAC still fits: the
// seq is not in it) to a later place and recomputes the chain: the event
// is an hour older than the one before it.
func TestVerifyTimeBackwards(t *testing.T) {
	clock := clocktest.New()
	storetest.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		macStore(st)
		s := macSealer(t, st)
		mustAppend(t, st, 0, 5)
		clock.Advance(time.Hour)
		mustAppend(t, st, 5, 5)
		clock.Advance(-time.Minute) // a small step back is allowed: appends race
		mustAppend(t, st, 10, 1)
		sealAndSign(t, s)
		if _, err := verifyMAC(st); err != nil {
			t.Fatal(err)
		}
		// Swap seq 3 (at t0) and seq 8 (an hour later), recompute, and
		// drop the checkpoint the recomputed chain no longer fits.
		mustExec(t, st, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
		mustExec(t, st, "UPDATE audit_events SET seq = 3 WHERE seq = 8")
		mustExec(t, st, "UPDATE audit_events SET seq = 8 WHERE seq = -1")
		rechainMAC(t, st, 3)
		mustExec(t, st, "DELETE FROM audit_checkpoints")
		wantMACProblem(t, st, 4, 0, audit.TimeBackwards)
	})
}

// TestVerifyUnanchoredOld deletes the newest checkpoint: the events it
// covered are an hour older than the newest and no checkpoint covers them.
// The newest events (within the grace) may be unanchored.
func TestVerifyUnanchoredOld(t *testing.T) {
	clock := clocktest.New()
	storetest.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		macStore(st)
		s := macSealer(t, st)
		mustAppend(t, st, 0, 5)
		sealAndSign(t, s)
		mustAppend(t, st, 5, 5)
		sealAndSign(t, s)
		clock.Advance(time.Hour)
		mustAppend(t, st, 10, 5)
		sealAndSign(t, s)
		clock.Advance(time.Minute)
		mustAppend(t, st, 15, 5)
		if _, err := s.Seal(context.Background()); err != nil {
			t.Fatal(err)
		}
		rep, err := verifyMAC(st)
		if err != nil || rep.Unanchored() != 5 {
			t.Fatalf("the newest 5 unanchored: %+v %v", rep, err)
		}
		mustExec(t, st, "DELETE FROM audit_checkpoints WHERE n = 3")
		mustExec(t, st, "DELETE FROM audit_checkpoints WHERE n = 2")
		wantMACProblem(t, st, 6, 0, audit.Unanchored)
	})
}

// rechainMAC recomputes prev_hash and hash of every row from seq on, MACs
// included, as anyone can (SHA-256 needs no key).
func rechainMAC(t *testing.T, st *store.Store, from int64) {
	t.Helper()
	ctx := context.Background()
	var rows []store.AuditRow
	st.Read(ctx, func(tx *store.Tx) error {
		return tx.SealedAuditRows(ctx, from-2, 1<<20, func(r *store.AuditRow) error {
			rows = append(rows, *r)
			return nil
		})
	})
	prev := rows[0].Hash
	if from == 1 {
		prev = make([]byte, audit.HashSize)
		rows = append([]store.AuditRow{{}}, rows...)
	}
	for _, r := range rows[1:] {
		e := audit.Event{Seq: r.Seq, Time: r.At, OrgID: r.OrgID,
			Actor:  audit.Actor{UserID: r.ActorUserID, Role: r.ActorRole, DeviceID: r.ActorDeviceID, IP: r.ActorIP},
			Action: audit.Action(r.Action), ResourceType: r.ResourceType, ResourceID: r.ResourceID,
			PatientID: r.PatientID, Outcome: audit.Outcome(r.Outcome), Reason: r.Reason, MAC: r.MAC}
		h := audit.ChainHash(prev, &e)
		mustExec(t, st, "UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3", prev, h, r.Seq)
		prev = h
	}
}

// Every way of appending gives each event its MAC: Append in a
// transaction, a Recorder's group commit, and a store group commit.
func TestEveryAppendPathMACs(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		macStore(st)
		mustAppend(t, st, 0, 3)
		rec := audit.NewRecorder(st, audit.RecorderOptions{})
		if err := rec.Record(ctx, event(3), event(4)); err != nil {
			t.Fatal(err)
		}
		rec.Close()
		if err := st.WriteBatched(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, event(5)) }); err != nil {
			t.Fatal(err)
		}
		sealAndSign(t, macSealer(t, st))
		rep, err := verifyMAC(st)
		if err != nil || rep.Events != 6 || rep.WithoutMAC != 0 {
			t.Fatalf("%+v %v; want 6 events, each with a valid MAC", rep, err)
		}
	})
}
