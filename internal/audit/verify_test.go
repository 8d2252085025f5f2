package audit_test

import (
	"context"
	"errors"
	"github.com/wardhealth/ward/internal/clocktest"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

const chainLen = 40

func mustVerify(t *testing.T, st *store.Store) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), st, pub(testKey(1)))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// wantProblem verifies and checks the first problem.
func wantProblem(t *testing.T, st *store.Store, seq int64, kind audit.Kind) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), st, pub(testKey(1)))
	var p *audit.Problem
	if !errors.As(err, &p) || ward.ErrorCode(err) != ward.CodeIntegrity {
		t.Fatalf("Verify = %v, want a Problem at seq %d (%s)", err, seq, kind)
	}
	if p.Seq != seq || p.Kind != kind || rep.Problem != p {
		t.Fatalf("Verify found %v; want seq %d, %s", p, seq, kind)
	}
}

func TestIntactChainVerifies(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := mustChain(t, st, chainLen)
		mustAppend(t, st, chainLen, 5) // unsealed: reported, not checked
		rep := mustVerify(t, st)
		if rep.Events != chainLen || rep.FirstSeq != 1 || rep.LastSeq != chainLen || rep.Checkpoints != 1 ||
			rep.LastCheckpoint != chainLen || rep.Unsealed != 5 || rep.Unanchored() != 0 {
			t.Fatalf("report %+v", rep)
		}
		if _, err := s.Seal(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.Checkpoint(ctx); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if _, ok, err := s.Checkpoint(ctx); err != nil || ok {
			t.Fatalf("a checkpoint with nothing new: %v, %v", ok, err)
		}
		rep = mustVerify(t, st)
		if rep.Events != chainLen+5 || rep.Checkpoints != 2 || rep.Unsealed != 0 {
			t.Fatalf("report %+v", rep)
		}
		// An empty store verifies too.
		empty := storetest.SQLite(t, nil)
		if rep := mustVerify(t, empty); rep.Events != 0 {
			t.Fatalf("empty: %+v", rep)
		}
	})
}

func TestTamperingIsNamed(t *testing.T) {
	const n = 17 // the row tampered with
	cases := []struct {
		name   string
		tamper []string
		seq    int64
		kind   audit.Kind
	}{
		{"edited reason", []string{"UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 17"}, n, audit.Edited},
		{"edited patient", []string{"UPDATE audit_events SET patient_id = 'pat-43' WHERE seq = 17"}, n, audit.Edited},
		{"edited time", []string{"UPDATE audit_events SET at = at + 1 WHERE seq = 17"}, n, audit.Edited},
		{"edited hash", []string{"UPDATE audit_events SET hash = prev_hash WHERE seq = 17"}, n, audit.Edited},
		{"edited prev_hash", []string{"UPDATE audit_events SET prev_hash = hash WHERE seq = 17"}, n, audit.Edited},
		{"deleted", []string{"DELETE FROM audit_events WHERE seq = 17"}, n, audit.Deleted},
		{"deleted last", []string{"DELETE FROM audit_events WHERE seq = 40"}, chainLen, audit.Deleted},
		{"deleted first", []string{"DELETE FROM audit_events WHERE seq = 1"}, 1, audit.Deleted},
		{"deleted renumbered", []string{
			"DELETE FROM audit_events WHERE seq = 17",
			"UPDATE audit_events SET seq = -seq + 1 WHERE seq > 17",
			"UPDATE audit_events SET seq = -seq WHERE seq < 0",
		}, n, audit.Deleted},
		{"inserted", []string{
			"UPDATE audit_events SET seq = -seq - 1 WHERE seq >= 17",
			"UPDATE audit_events SET seq = -seq WHERE seq < 0",
			"INSERT INTO audit_events (seq, at, action, outcome, prev_hash, hash) SELECT 17, at, 'message.read', 'success', hash, hash FROM audit_events WHERE seq = 16",
		}, n, audit.Inserted},
		{"inserted at the end", []string{
			"INSERT INTO audit_events (seq, at, action, outcome, prev_hash, hash) SELECT 41, at, 'message.read', 'success', prev_hash, prev_hash FROM audit_events WHERE seq = 40",
		}, chainLen + 1, audit.Inserted},
		{"reordered", []string{
			"UPDATE audit_events SET seq = -1 WHERE seq = 17",
			"UPDATE audit_events SET seq = 17 WHERE seq = 18",
			"UPDATE audit_events SET seq = 18 WHERE seq = -1",
		}, n, audit.Reordered},
		{"reordered content", []string{ // seq 17 holds event(16), seq 18 event(17)
			"UPDATE audit_events SET resource_id = 'msg-17', actor_user_id = 'user-3' WHERE seq = 17",
			"UPDATE audit_events SET resource_id = 'msg-16', actor_user_id = 'user-2' WHERE seq = 18",
		}, n, audit.Reordered},
		{"reordered far", []string{
			"UPDATE audit_events SET seq = -1 WHERE seq = 17",
			"UPDATE audit_events SET seq = 17 WHERE seq = 30",
			"UPDATE audit_events SET seq = 30 WHERE seq = -1",
		}, n, audit.Reordered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
				mustChain(t, st, chainLen)
				mustVerify(t, st)
				for _, q := range c.tamper {
					mustExec(t, st, q)
				}
				wantProblem(t, st, c.seq, c.kind)
			})
		})
	}
}

// TestRecomputedChainIsCaughtByCheckpoints plays a database admin who edits
// a row and recomputes every later hash, so the chain is self-consistent:
// only the signed checkpoint shows it.
func TestRecomputedChainIsCaughtByCheckpoints(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := mustChain(t, st, 20) // checkpoint 1 at seq 20
		mustAppend(t, st, 20, 20)
		s.Seal(ctx)
		if _, _, err := s.Checkpoint(ctx); err != nil { // checkpoint 2 at seq 40
			t.Fatal(err)
		}
		mustExec(t, st, "UPDATE audit_events SET reason = 'rewritten' WHERE seq = 25")
		rechain(t, st, 25)
		wantProblem(t, st, 40, audit.CheckpointMismatch)

		// Deleting the checkpoint that would show it leaves a gap in checkpoint numbers.
		mustExec(t, st, "DELETE FROM audit_checkpoints WHERE n = 2")
		mustAppend(t, st, 40, 1)
		s.Seal(ctx)
		if _, _, err := s.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		mustExec(t, st, "UPDATE audit_checkpoints SET n = 3 WHERE n = 2")
		wantProblem(t, st, 41, audit.CheckpointDeleted)
	})
}

// rechain recomputes prev_hash and hash of every row from seq on.
func rechain(t *testing.T, st *store.Store, from int64) {
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
	for _, r := range rows[1:] {
		e := audit.Event{Seq: r.Seq, Time: r.At, OrgID: r.OrgID,
			Actor:  audit.Actor{UserID: r.ActorUserID, Role: r.ActorRole, DeviceID: r.ActorDeviceID, IP: r.ActorIP},
			Action: audit.Action(r.Action), ResourceType: r.ResourceType, ResourceID: r.ResourceID,
			PatientID: r.PatientID, Outcome: audit.Outcome(r.Outcome), Reason: r.Reason}
		h := audit.ChainHash(prev, &e)
		mustExec(t, st, "UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3", prev, h, r.Seq)
		prev = h
	}
}

func TestBadCheckpointSignatures(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		mustChain(t, st, 10)
		mustExec(t, st, "UPDATE audit_checkpoints SET at = at + 1")
		wantProblem(t, st, 10, audit.BadSignature)
		mustExec(t, st, "UPDATE audit_checkpoints SET at = at - 1")
		mustVerify(t, st)
		// Verifying with a key that did not sign fails too.
		_, err := audit.Verify(ctx, st, pub(testKey(2)))
		var p *audit.Problem
		if !errors.As(err, &p) || p.Kind != audit.BadSignature || p.Seq != 10 {
			t.Fatalf("Verify with another key = %v", err)
		}
		// A checkpoint forged with another key is not trusted.
		other, _ := audit.NewSealer(st, audit.SealerOptions{Key: testKey(2)})
		mustAppend(t, st, 10, 1)
		other.Seal(ctx)
		if _, _, err := other.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, st, 11, audit.BadSignature)
	})
}
