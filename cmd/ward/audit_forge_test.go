package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// Finding 5 of issue 21: someone who can write the database, but has no
// master key, forges audit history. Each forgery runs against a real SQLite
// file and, when WARD_TEST_POSTGRES is set, a PostgreSQL schema; `ward
// audit verify` must exit 1 naming the row.

// forgeBackend is where a forgery test runs: the data dir (the master key
// file is always there) and the --db URL (empty: SQLite in the data dir).
type forgeBackend struct{ data, db string }

func (b forgeBackend) cfg() server.Config {
	return server.Config{DataDir: b.data, DBURL: b.db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func (b forgeBackend) args(cmd ...string) []string {
	args := append(cmd, "--data", b.data)
	if b.db != "" {
		args = append(args, "--db", b.db)
	}
	return args
}

// raw opens the database as an attacker would (sqlite3 on the file, psql).
func (b forgeBackend) raw(t *testing.T) *sql.DB {
	t.Helper()
	// busy_timeout: ward's own connections may hold the file a moment
	// (its writer, the sealer), as any second writer would meet.
	driver, dsn := "sqlite", "file:"+filepath.Join(b.data, store.SQLiteFile)+"?_pragma=busy_timeout(10000)"
	if b.db != "" {
		driver, dsn = "pgx", b.db
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func eachForgeBackend(t *testing.T, fn func(t *testing.T, b forgeBackend)) {
	t.Setenv(keyring.EnvVar, "")
	t.Run("sqlite", func(t *testing.T) { fn(t, forgeBackend{data: filepath.Join(t.TempDir(), "data")}) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, forgeBackend{data: filepath.Join(t.TempDir(), "data"), db: storetest.PostgresURL(t)})
	})
}

// openWard opens the data as ward serve does (MACs, sealer, inline chaining).
func openWard(t *testing.T, b forgeBackend) *server.Env {
	t.Helper()
	env, err := server.Open(context.Background(), b.cfg())
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func appendEvents(t *testing.T, env *server.Env, from, n int) {
	t.Helper()
	ctx := context.Background()
	err := env.Store.Write(ctx, func(tx *store.Tx) error {
		for i := from; i < from+n; i++ {
			err := audit.Append(ctx, tx, audit.Event{OrgID: "o1", Actor: audit.Actor{UserID: "u1", Role: "clinician"},
				Action: audit.MessageRead, ResourceType: "message", ResourceID: fmt.Sprint("m", i), Outcome: audit.Success})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sealAndCheckpoint(t *testing.T, env *server.Env) {
	t.Helper()
	if _, err := env.Sealer.Seal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.Sealer.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// wantVerifyNames runs ward audit verify and wants exit 1 naming the row.
func wantVerifyNames(t *testing.T, b forgeBackend, kind audit.Kind, seq, id int64) {
	t.Helper()
	code, out, stderr := runWard(t, "", b.args("audit", "verify")...)
	want := fmt.Sprintf("audit chain broken at seq %d: %s", seq, kind)
	if seq == 0 {
		want = fmt.Sprintf("audit trail broken at unsealed event id %d: %s", id, kind)
	}
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("ward audit verify: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, stderr, want)
	}
}

// TestForgedUnsealedRowRefused: (a) while ward runs, a login.succeeded
// dated months back is inserted as an unsealed row. The sealer refuses it
// (and keeps refusing it), later events are still recorded, and verify
// exits 1 naming the row.
func TestForgedUnsealedRowRefused(t *testing.T) {
	eachForgeBackend(t, func(t *testing.T, b forgeBackend) {
		ctx := context.Background()
		env := openWard(t, b)
		appendEvents(t, env, 0, 20)
		sealAndCheckpoint(t, env)

		at := time.Now().AddDate(0, -3, 0).UnixMicro()
		db := b.raw(t)
		if _, err := db.Exec(fmt.Sprintf("INSERT INTO audit_events (at, org_id, actor_user_id, actor_role, action, outcome, reason) "+
			"VALUES (%d, 'o1', 'u-intruder', 'admin', 'login.succeeded', 'success', 'password')", at)); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := db.QueryRow("SELECT id FROM audit_events WHERE actor_user_id = 'u-intruder'").Scan(&id); err != nil {
			t.Fatal(err)
		}
		_, err := env.Sealer.Seal(ctx)
		var p *audit.Problem
		if !errors.As(err, &p) || p.ID != id || p.Kind != audit.Forged {
			t.Fatalf("Seal = %v; want the forged row (id %d) refused", err, id)
		}
		appendEvents(t, env, 20, 5)
		env.Sealer.Seal(ctx)
		env.Sealer.Checkpoint(ctx)
		env.Close() // its last seal reports the refused row again
		var seq sql.NullInt64
		if err := db.QueryRow("SELECT seq FROM audit_events WHERE id = $1", id).Scan(&seq); err != nil || seq.Valid {
			t.Fatalf("the forged row was sealed at seq %v (%v)", seq, err)
		}
		wantVerifyNames(t, b, audit.Forged, 0, id)

		// Sealed by hand at the head, with the chain hash anyone can
		// compute: named by its seq.
		if _, err := db.Exec("DELETE FROM audit_events WHERE id = $1", id); err != nil {
			t.Fatal(err)
		}
		env = openWard(t, b)
		sealAndCheckpoint(t, env)
		head := sealHead(t, env)
		env.Close()
		forged := audit.Event{Seq: head.Seq + 1, Time: time.UnixMicro(at).UTC(), OrgID: "o1",
			Actor: audit.Actor{UserID: "u-intruder", Role: "admin"}, Action: audit.LoginSucceeded, Outcome: audit.Success}
		if _, err := db.Exec("INSERT INTO audit_events (seq, at, org_id, actor_user_id, actor_role, action, outcome, prev_hash, hash) "+
			"VALUES ($1, $2, 'o1', 'u-intruder', 'admin', 'login.succeeded', 'success', $3, $4)",
			forged.Seq, at, head.Hash, audit.ChainHash(head.Hash, &forged)); err != nil {
			t.Fatal(err)
		}
		wantVerifyNames(t, b, audit.Forged, head.Seq+1, 0)
	})
}

func sealHead(t *testing.T, env *server.Env) store.AuditRow {
	t.Helper()
	ctx := context.Background()
	var r store.AuditRow
	err := env.Store.Read(ctx, func(tx *store.Tx) error {
		seq, _, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		r, err = tx.AuditRowBySeq(ctx, seq)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRewrittenChainDetected: (b) on a copy, a row is edited, every later
// hash recomputed and the checkpoints after it deleted. The chain is
// self-consistent, but the row's MAC no longer fits: verify exits 1 naming
// its seq.
func TestRewrittenChainDetected(t *testing.T) {
	eachForgeBackend(t, func(t *testing.T, b forgeBackend) {
		env := openWard(t, b)
		appendEvents(t, env, 0, 10)
		sealAndCheckpoint(t, env)
		appendEvents(t, env, 10, 10)
		sealAndCheckpoint(t, env)
		appendEvents(t, env, 20, 10)
		sealAndCheckpoint(t, env)
		env.Close()
		if code, out, stderr := runWard(t, "", b.args("audit", "verify")...); code != 0 || !strings.Contains(out, "audit chain OK") {
			t.Fatalf("intact: exit %d %q %q", code, out, stderr)
		}
		db := b.raw(t)
		if _, err := db.Exec("UPDATE audit_events SET actor_user_id = 'someone-else' WHERE seq = 12"); err != nil {
			t.Fatal(err)
		}
		rechainRaw(t, db, 12)
		if _, err := db.Exec("DELETE FROM audit_checkpoints WHERE seq >= 12"); err != nil {
			t.Fatal(err)
		}
		wantVerifyNames(t, b, audit.Forged, 12, 0)
	})
}

// rechainRaw recomputes prev_hash and hash of every row from seq on, as
// anyone can: SHA-256 needs no key.
func rechainRaw(t *testing.T, db *sql.DB, from int64) {
	t.Helper()
	rows, err := db.Query("SELECT seq, at, org_id, actor_user_id, actor_role, actor_device_id, actor_ip, action, resource_type, "+
		"resource_id, patient_id, outcome, reason, mac, hash FROM audit_events WHERE seq >= $1 ORDER BY seq", from-1)
	if err != nil {
		t.Fatal(err)
	}
	var evs []audit.Event
	var prev []byte
	for rows.Next() {
		var e audit.Event
		var at int64
		var h []byte
		if err := rows.Scan(&e.Seq, &at, &e.OrgID, &e.Actor.UserID, &e.Actor.Role, &e.Actor.DeviceID, &e.Actor.IP, &e.Action,
			&e.ResourceType, &e.ResourceID, &e.PatientID, &e.Outcome, &e.Reason, &e.MAC, &h); err != nil {
			t.Fatal(err)
		}
		e.Time = time.UnixMicro(at).UTC()
		if e.Seq == from-1 {
			prev = h
			continue
		}
		evs = append(evs, e)
	}
	rows.Close()
	for _, e := range evs {
		h := audit.ChainHash(prev, &e)
		if _, err := db.Exec("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3", prev, h, e.Seq); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
}
