package walvfs

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

const pragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)"

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// row is the content of row i: 3,000 bytes that differ from row to row, so
// every few rows fill a page and a misplaced write shows as wrong bytes.
func row(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("%07d|", i)), 375)
}

func check(t *testing.T, db *sql.DB, want int) {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("rows = %d, want %d", n, want)
	}
	rows, err := db.Query("SELECT id, body FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, row(id)) {
			t.Fatalf("row %d holds other bytes", id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
}

// A database written through the VFS, with commits small and large (one
// that spills pages from a tiny cache into the WAL and reads them back
// before it commits), reads back byte for byte through SQLite's own VFS,
// from another connection while the writer is open and after it closed, and
// the commits took fewer writes than SQLite made.
func TestWritesReadBackThroughTheDefaultVFS(t *testing.T) {
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "w.db")
	dsn := "file:" + path + "?" + pragmas
	w := open(t, dsn+"&vfs="+Name+"&_pragma=cache_size(8)&_pragma=wal_autocheckpoint(0)")
	if _, err := w.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	id := 0
	insert := func(n int) {
		t.Helper()
		tx, err := w.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			id++
			if _, err := tx.Exec("INSERT INTO t (id, body) VALUES (?, ?)", id, row(id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		insert(1)
	}
	insert(2000) // 2,000 pages and more through an 8-page cache: spills
	before, beforeAsked := writes.Load(), asked.Load()
	for range 50 {
		insert(7) // 7 rows on 6 pages or so, and their table's b-tree
	}
	gathered, made := writes.Load()-before, asked.Load()-beforeAsked

	r := open(t, dsn)
	check(t, r, id)
	// An update in place rewrites pages already in the WAL.
	if _, err := w.Exec("UPDATE t SET body = body WHERE id % 3 = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	insert(10) // restarts the WAL from its header
	check(t, r, id)
	w.Close()
	r.Close()
	check(t, open(t, dsn), id)

	// SQLite writes a frame in two calls; each of the 50 commits of a
	// handful of frames reached the default VFS as one write (two for the
	// few commits whose pages spilled from the tiny cache before the end).
	if made < 50*2*5 || gathered < 50 || gathered > 75 {
		t.Fatalf("50 commits: SQLite made %d writes, the default VFS got %d; want 500 or more, and 50 to 75", made, gathered)
	}
}
