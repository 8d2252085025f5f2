package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// PostgresEnv names the environment variable with the PostgreSQL test URL.
const PostgresEnv = "WARD_TEST_POSTGRES"

// Each runs fn as a subtest against every available backend: "sqlite", and
// "postgres" when WARD_TEST_POSTGRES is set. Under CI (CI=true) a missing
// WARD_TEST_POSTGRES fails the test instead of skipping PostgreSQL.
func Each(t *testing.T, now func() time.Time, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, now)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, now)) })
}

// SQLite opens a migrated store on a SQLite file in a fresh temp dir.
func SQLite(tb testing.TB, now func() time.Time) *store.Store {
	tb.Helper()
	dir := tb.TempDir()
	SeedSQLite(tb, dir)
	return open(tb, store.Options{DataDir: dir, Now: now})
}

// migrated is a SQLite database file with every migration applied, made
// once per test binary. A store opened on a copy needs no migration:
// running them all again took 1.5 s a store under the race detector, which
// checks every memory access of SQLite's C translated to Go.
var migrated struct {
	once sync.Once
	db   []byte
	err  error
}

// SeedSQLite puts a migrated SQLite database file into dataDir, which has
// none yet; a store opened there finds every migration applied.
func SeedSQLite(tb testing.TB, dataDir string) {
	tb.Helper()
	migrated.once.Do(func() { migrated.db, migrated.err = migrate() })
	if migrated.err != nil {
		tb.Fatalf("migrated SQLite template: %v", migrated.err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, store.SQLiteFile), migrated.db, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// migrate makes a migrated database in a temp dir and answers its file,
// whole: Close moves the WAL into it.
func migrate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "ward-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("the WAL kept %d bytes after Close", fi.Size())
	}
	return os.ReadFile(filepath.Join(dir, store.SQLiteFile))
}

// Postgres opens a migrated store in a new schema of the WARD_TEST_POSTGRES
// database, dropped when the test ends. It skips when the variable is unset,
// unless CI=true.
func Postgres(tb testing.TB, now func() time.Time) *store.Store {
	tb.Helper()
	return open(tb, store.Options{URL: PostgresURL(tb), Now: now})
}

// PostgresNodes opens n migrated stores on one new schema of the
// WARD_TEST_POSTGRES database, as n ward nodes on one database; it skips
// as Postgres does.
func PostgresNodes(tb testing.TB, n int) []*store.Store {
	tb.Helper()
	url := PostgresURL(tb)
	nodes := make([]*store.Store, n)
	for i := range nodes {
		nodes[i] = open(tb, store.Options{URL: url})
	}
	return nodes
}

// PostgresURL creates a fresh schema and returns a URL whose search_path
// points at it. The schema is dropped when the test ends.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set; CI must run the PostgreSQL half", PostgresEnv)
		}
		tb.Skipf("%s not set: PostgreSQL half skipped", PostgresEnv)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "ward_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(tb testing.TB, opts store.Options) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}
