package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
)

// The writer never checkpoints the WAL itself; the checkpointer copies
// committed pages into the database file shortly after the commits.
func TestCheckpointerMovesTheWALIntoTheDatabase(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(context.Background(), store.Options{DataDir: dir, Now: clocktest.New().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, store.SQLiteFile)
	size := func() int64 {
		fi, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	time.Sleep(300 * time.Millisecond) // the migrations' checkpoint
	before := size()
	ctx := context.Background()
	rows := make([]store.AuditRow, 2000)
	for i := range rows {
		rows[i] = store.AuditRow{At: time.Now(), OrgID: "o1", Action: "message.read", Outcome: "success", Reason: strings.Repeat("x", 500)}
	}
	if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertAuditRows(ctx, rows) }); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); size() < before+int64(len(rows))*500; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ward.db stayed at %d bytes (from %d) after 1 MB of commits: nothing checkpointed", size(), before)
		}
	}
}
