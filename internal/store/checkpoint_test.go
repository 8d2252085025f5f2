package store_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
)

// openMigrated opens a migrated SQLite store in a folder of its own, closed
// when the test ends.
func openMigrated(t *testing.T) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(context.Background(), store.Options{DataDir: dir, Now: clocktest.New().Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// auditRows makes n audit rows, each with a reason of size bytes: pages for
// the WAL.
func auditRows(n, size int) []store.AuditRow {
	rows := make([]store.AuditRow, n)
	for i := range rows {
		rows[i] = store.AuditRow{At: time.Now(), OrgID: "o1", Action: "message.read", Outcome: "success", Reason: strings.Repeat("x", size)}
	}
	return rows
}

// writeAudit inserts rows in one write transaction.
func writeAudit(ctx context.Context, s *store.Store, rows []store.AuditRow) error {
	return s.Write(ctx, func(tx *store.Tx) error { return tx.InsertAuditRows(ctx, rows) })
}

// The writer never checkpoints the WAL itself; the checkpointer copies
// committed pages into the database file shortly after the commits.
func TestCheckpointerMovesTheWALIntoTheDatabase(t *testing.T) {
	s, dir := openMigrated(t)
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
	rows := auditRows(2000, 500)
	if err := writeAudit(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); size() < before+int64(len(rows))*500; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ward.db stayed at %d bytes (from %d) after 1 MB of commits: nothing checkpointed", size(), before)
		}
	}
}

// Under writes that never pause, a PASSIVE checkpoint never catches up
// with the writer, so the WAL would never start over from its beginning
// and would grow for as long as the load lasts (a gigabyte in 20 s of
// ward bench). The checkpointer holds the writer back for the last few
// frames; the writer's next commit then restarts the WAL, which bumps the
// checkpoint sequence number in the WAL's header. The file keeps its size
// meanwhile: a commit that truncated it stalled every send behind it.
func TestWALRestartsUnderWritesThatNeverPause(t *testing.T) {
	s, dir := openMigrated(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	load := func(fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := fn(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	rows := auditRows(20, 200)
	load(func() error { return writeAudit(ctx, s, rows) })
	load(func() error {
		return s.Read(ctx, func(tx *store.Tx) error { _, err := tx.AuditCheckpoints(ctx); return err })
	})
	wal := filepath.Join(dir, store.SQLiteFile+"-wal")
	restarts := func() uint32 { // the WAL header's checkpoint sequence number
		b := make([]byte, 16)
		f, err := os.Open(wal)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.ReadAt(b, 0); err != nil {
			return 0
		}
		return binary.BigEndian.Uint32(b[12:])
	}
	first := restarts()
	var largest int64
	for deadline := time.Now().Add(30 * time.Second); restarts() < first+2; time.Sleep(20 * time.Millisecond) {
		fi, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() < largest {
			t.Fatalf("the WAL shrank from %d to %d bytes while writes went on", largest, fi.Size())
		}
		largest = fi.Size()
		if time.Now().After(deadline) {
			t.Fatalf("the WAL restarted %d times in 30 s of writes and grew to %d bytes", restarts()-first, fi.Size())
		}
	}
}

// Once writes pause, the checkpointer empties the WAL file: an idle server
// keeps no WAL on disk, whatever size a burst left it at.
func TestWALIsEmptiedOnceWritesPause(t *testing.T) {
	s, dir := openMigrated(t)
	ctx := context.Background()
	rows := auditRows(500, 500)
	if err := writeAudit(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, store.SQLiteFile+"-wal")
	fi, err := os.Stat(wal)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() < 250_000 {
		t.Fatalf("the WAL holds %d bytes after a 250 kB commit", fi.Size())
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if fi, err = os.Stat(wal); err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d bytes 15 s after the last write", fi.Size())
		}
	}
	var n int
	if err := s.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowForTest(ctx, "SELECT COUNT(*) FROM audit_events WHERE org_id = 'o1'").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(rows) {
		t.Fatalf("%d audit rows after the WAL was emptied, want %d", n, len(rows))
	}
}

// A store closed while another has the database open (a CLI command beside
// the server: ward backup, ward audit verify) neither waits for the other's
// readers nor holds the other's writes while it tries to empty the WAL:
// its Close used to hold the write lock and wait up to the busy timeout
// (10 s) for a reader of the server to finish.
func TestCloseBesideAnotherStoreDoesNotWaitForIt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server, err := store.Open(ctx, store.Options{DataDir: dir, Now: clocktest.New().Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	if _, err := server.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := writeAudit(ctx, server, auditRows(200, 500)); err != nil {
		t.Fatal(err)
	}
	reading, release := make(chan struct{}), make(chan struct{})
	go server.Read(ctx, func(tx *store.Tx) error { // a long read of the server's
		if _, _, err := tx.AuditHead(ctx); err != nil {
			t.Error(err)
		}
		close(reading)
		<-release
		return nil
	})
	defer close(release)
	<-reading
	cli, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAudit(ctx, cli, auditRows(200, 500)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Close took %v beside another store's reader", took)
	}
	// The server writes on; its WAL is emptied once its reader is done.
	if err := writeAudit(ctx, server, auditRows(10, 100)); err != nil {
		t.Fatal(err)
	}
}

// A ward command's store (LeaveCheckpoints) runs no checkpointer beside
// the server's: its commits stay in the WAL while it runs, and its Close
// moves them into the database and empties the WAL when nobody else has
// the database open.
func TestCommandStoreLeavesCheckpoints(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DataDir: dir, LeaveCheckpoints: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	size := func(name string) int64 {
		fi, err := os.Stat(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size(store.SQLiteFile)
	if err := writeAudit(ctx, s, auditRows(2000, 500)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // a checkpointer would have run
	if got := size(store.SQLiteFile); got != before {
		t.Errorf("ward.db went from %d to %d bytes: something checkpointed", before, got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := size(store.SQLiteFile); got < before+2000*500 {
		t.Errorf("ward.db is %d bytes after Close (was %d): the commits were not moved in", got, before)
	}
	if wal := size(store.SQLiteFile + "-wal"); wal != 0 {
		t.Errorf("the WAL holds %d bytes after Close", wal)
	}
}

// A long read from another connection (ward backup's VACUUM INTO in its own
// process, an export) keeps the checkpointer from restarting the WAL; the
// writes go on meanwhile. The checkpointer's RESTART, holding the writer,
// used to wait out a 10 s busy timeout for that reader (its busy_timeout(0)
// lost to the shared DSN's 10000), and every write waited with it.
func TestWritesDoNotWaitForAnotherConnectionsLongRead(t *testing.T) {
	ctx := context.Background()
	server, dir := openMigrated(t)
	if err := writeAudit(ctx, server, auditRows(200, 500)); err != nil {
		t.Fatal(err)
	}
	backup, err := store.Open(ctx, store.Options{DataDir: dir, LeaveCheckpoints: true})
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	reading, release, read := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		read <- backup.Read(ctx, func(tx *store.Tx) error { // one old snapshot, held
			if _, _, err := tx.AuditHead(ctx); err != nil {
				return err
			}
			close(reading)
			<-release
			return nil
		})
	}()
	<-reading
	// Writes for three checkpoint rounds: each round's RESTART meets the reader.
	var slowest time.Duration
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		start := time.Now()
		if err := writeAudit(ctx, server, auditRows(20, 500)); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
	}
	close(release)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if slowest > 2*time.Second {
		t.Errorf("a write took %v while another connection held an old snapshot", slowest)
	}
}
