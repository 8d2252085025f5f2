package pagecache

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

func TestMain(m *testing.M) {
	if err := Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// A database changed every way that moves pages around (random inserts
// that split and rebalance b-tree pages, deletes, transactions that grow
// the file and roll back, VACUUM, which shrinks it) reads back exactly
// what was written and passes integrity_check, through a small cache that
// must evict and a large one that keeps everything. Most truncations are
// skipped; the ones that shrink the cache still happen.
func TestPagesSurviveSplitsRollbacksAndShrinking(t *testing.T) {
	for _, cacheKiB := range []int{64, 65536} {
		t.Run(fmt.Sprintf("cache %d KiB", cacheKiB), func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "t.db")
			db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?_pragma=journal_mode(WAL)&_pragma=cache_size(-%d)", path, cacheKiB))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			mustExec(t, db, "CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB NOT NULL)")
			mustExec(t, db, "CREATE INDEX kv_v ON kv (v)")
			want := map[string][]byte{}
			r := rand.New(rand.NewPCG(1, 2))
			skipped0, passed0 := skipped.Load(), passed.Load()
			for round := range 30 {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				pending := map[string][]byte{}
				for range 300 {
					k := fmt.Sprintf("%016x", r.Uint64())
					v := make([]byte, 20+r.IntN(400))
					for i := range v {
						v[i] = byte(r.Uint32())
					}
					if _, err := tx.Exec("INSERT INTO kv (k, v) VALUES (?, ?)", k, v); err != nil {
						t.Fatal(err)
					}
					pending[k] = v
				}
				deleted := 0
				for k := range want {
					if deleted == 100 {
						break
					}
					if _, err := tx.Exec("DELETE FROM kv WHERE k = ?", k); err != nil {
						t.Fatal(err)
					}
					pending[k] = nil
					deleted++
				}
				if round%3 == 2 { // grew the file, then rolls back
					if err := tx.Rollback(); err != nil {
						t.Fatal(err)
					}
				} else {
					if err := tx.Commit(); err != nil {
						t.Fatal(err)
					}
					for k, v := range pending {
						if v == nil {
							delete(want, k)
						} else {
							want[k] = v
						}
					}
				}
				if round%10 == 9 {
					mustExec(t, db, "DELETE FROM kv WHERE rowid % 2 = 0")
					rows, err := db.Query("SELECT k FROM kv")
					if err != nil {
						t.Fatal(err)
					}
					left := map[string]bool{}
					for rows.Next() {
						var k string
						rows.Scan(&k)
						left[k] = true
					}
					rows.Close()
					for k := range want {
						if !left[k] {
							delete(want, k)
						}
					}
					mustExec(t, db, "VACUUM") // the file shrinks
				}
				check(t, db, want)
			}
			if skipped.Load() == skipped0 {
				t.Error("no truncation was skipped: the wrapper is not in place")
			}
			if passed.Load() == passed0 {
				t.Error("no truncation was passed on: rollbacks and VACUUM need them")
			}
			t.Logf("truncations skipped %d, passed on %d", skipped.Load()-skipped0, passed.Load()-passed0)
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// check reads every row back, through the table and through the index on
// v, and runs integrity_check.
func check(t *testing.T, db *sql.DB, want map[string][]byte) {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM kv INDEXED BY kv_v WHERE v IS NOT NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("%d rows through the index, want %d", n, len(want))
	}
	rows, err := db.Query("SELECT k, v FROM kv")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		if string(want[k]) != string(v) {
			t.Fatalf("row %s reads back changed", k)
		}
		got++
	}
	if got != len(want) {
		t.Fatalf("%d rows, want %d", got, len(want))
	}
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
}
