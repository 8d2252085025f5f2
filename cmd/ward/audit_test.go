package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// auditData makes a data dir with a master key and n sealed, checkpointed
// audit events, as ward serve would leave it.
func auditData(t *testing.T, n int) string {
	t.Helper()
	t.Setenv(keyring.EnvVar, "")
	data := filepath.Join(t.TempDir(), "data")
	if _, _, err := server.Migrate(context.Background(), server.Config{DataDir: data}); err != nil {
		t.Fatal(err)
	}
	addSealedEvents(t, data, n, time.Time{})
	return data
}

// addSealedEvents appends n audit events stamped at (zero: now), seals
// them and signs a checkpoint at the last.
func addSealedEvents(t *testing.T, data string, n int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := keyring.FileProvider(data)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	key, err := kr.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		for i := range n {
			err := audit.Append(ctx, tx, audit.Event{Time: at, OrgID: "o1", Actor: audit.Actor{UserID: "u1", Role: "clinician"},
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
	s, err := audit.NewSealer(st, audit.SealerOptions{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	data := auditData(t, 30)
	var out, errOut bytes.Buffer
	if err := runAudit(ctx, []string{"verify", "--data", data}, nil, &out, &errOut); err != nil {
		t.Fatalf("verify an intact chain: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain OK: seq 1..30 (30 events), 1 checkpoints") {
		t.Fatalf("verify said %q", out.String())
	}

	// A database admin edits one row, as with sqlite3 D/ward.db "UPDATE …".
	db, err := sql.Open("sqlite", filepath.Join(data, store.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE audit_events SET actor_user_id = 'someone-else' WHERE seq = 12"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = runAudit(ctx, []string{"verify", "--data", data}, nil, &out, &errOut)
	var p *audit.Problem
	if !errors.As(err, &p) || p.Seq != 12 || p.Kind != audit.Edited {
		t.Fatalf("verify after an edit = %v; want seq 12 edited", err)
	}
	msg := oneLine(err)
	if !strings.HasPrefix(msg, "audit chain broken at seq 12: edited") || strings.Contains(msg, "\n") {
		t.Fatalf("message %q", msg)
	}
	if errors.As(err, new(usageError)) {
		t.Fatal("a broken chain is not a usage error (exit 1, not 2)")
	}
}

func TestAuditExport(t *testing.T) {
	ctx := context.Background()
	data := auditData(t, 12)
	out := filepath.Join(t.TempDir(), "audit.csv")
	var stdout, stderr bytes.Buffer
	args := []string{"export", "--data", data, "--from", "2000-01-01", "--to", "2100-01-01T00:00:00Z", "--format", "csv", "--out", out}
	if err := runAudit(ctx, args, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "exported 12 events") {
		t.Fatalf("stderr %q", stderr.String())
	}
	recs := readCSV(t, out)
	if len(recs) != 13 || recs[0][0] != "seq" || recs[12][0] != "12" {
		t.Fatalf("csv: %v", recs)
	}
	// The export was itself audited.
	stdout.Reset()
	args = []string{"export", "--data", data, "--from", "2000-01-01", "--to", "2100-01-01", "--format", "jsonl"}
	if err := runAudit(ctx, args, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), `"action":"audit.exported"`) {
		t.Fatalf("no audit.exported event in %s", stdout.String())
	}
	for _, bad := range [][]string{
		{"export", "--data", data, "--from", "yesterday", "--to", "2100-01-01"},
		{"export", "--data", data, "--from", "2100-01-01", "--to", "2000-01-01"},
		{"export", "--data", data, "--from", "2000-01-01", "--to", "2100-01-01", "--format", "xml"},
		{"frobnicate"},
	} {
		if err := runAudit(ctx, bad, nil, &stdout, &stderr); !errors.As(err, new(usageError)) {
			t.Errorf("%v = %v, want a usage error", bad, err)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(db)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Retention: events older than six years go, up to a signed checkpoint;
// the chain still verifies; a cutoff too recent is refused and changes
// nothing.
func TestAuditPurge(t *testing.T) {
	ctx := context.Background()
	data := auditData(t, 0)
	addSealedEvents(t, data, 20, time.Now().AddDate(-8, 0, 0))
	addSealedEvents(t, data, 5, time.Time{})
	var out, errOut bytes.Buffer

	recent := time.Now().AddDate(-5, 0, 0).Format(time.DateOnly)
	err := runAudit(ctx, []string{"purge", "--data", data, "--before", recent}, nil, &out, &errOut)
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "at least 6 years") {
		t.Fatalf("purge before %s: %v, want a usage error naming the 6 years", recent, err)
	}
	cutoff := time.Now().AddDate(-7, 0, 0).Format(time.DateOnly)
	if err := runAudit(ctx, []string{"purge", "--data", data, "--before", cutoff}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "purged 20 audit events through seq 20 (kept from seq 21 on)") {
		t.Fatalf("purge said %q", out.String())
	}
	out.Reset()
	if err := runAudit(ctx, []string{"verify", "--data", data}, nil, &out, &errOut); err != nil {
		t.Fatalf("verify after the purge: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain OK: seq 21..26") {
		t.Fatalf("verify said %q (want the 5 kept events and the audit.purged one)", out.String())
	}
	out.Reset()
	if err := runAudit(ctx, []string{"purge", "--data", data, "--before", cutoff}, nil, &out, &errOut); err != nil ||
		!strings.Contains(out.String(), "nothing to purge") {
		t.Fatalf("second purge: %v %q", err, out.String())
	}
}
