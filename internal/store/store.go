package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store/pagecache"
	"github.com/wardhealth/ward/internal/store/walvfs"
)

// Options says which database to open.
type Options struct {
	// URL is empty for SQLite in DataDir, or a postgres:// (postgresql://) URL.
	URL string
	// DataDir holds the SQLite database when URL is empty.
	DataDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LeaveCheckpoints, on SQLite, runs no checkpointer (checkpoint.go):
	// the store of a ward command, which may run beside the server on the
	// same database. Two checkpointers would contend for the write lock
	// across processes, and a writer that meets a lock held by another
	// process waits in SQLite's busy handler, in sleeps of milliseconds.
	// The command's own commits wait in the WAL until it closes.
	LeaveCheckpoints bool
}

// Store is ward's database. It is safe for concurrent use.
type Store struct {
	d   dialect
	w   *sql.DB // the writer: one connection on SQLite
	r   *sql.DB // the readers: the same pool as w on PostgreSQL
	now func() time.Time

	// On SQLite the writer's one connection is held for the store's
	// lifetime, and wmu lets one transaction at a time use it (runWriter).
	wmu   sync.Mutex
	wconn *sql.Conn
	chain atomic.Pointer[AuditChain] // set by ChainAuditOnInsert
	mac   atomic.Pointer[AuditMAC]   // set by MACAuditOnInsert
	wc    *writerCache               // what the writer knows of conversations; used under wmu (writercache.go)

	stmts     map[*sql.DB]*stmtCache // SQLite's prepared statements, per pool
	batches   chan *batchJob         // group-commit queue (batch.go)
	closed    chan struct{}
	batchDone chan struct{}
	leader    leadership    // leader.go
	ckpt      *checkpointer // SQLite only (checkpoint.go)
	file      string        // SQLite: the database file (backup.go)
}

func errClosed() error { return ward.Errorf(ward.CodeUnavailable, "the database is closed") }

// SQLiteFile is the name of the database file inside the data dir.
const SQLiteFile = "ward.db"

// Open opens (but does not migrate) the database that opts names and checks
// that it answers.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{now: opts.Now, batches: make(chan *batchJob, maxBatch), closed: make(chan struct{}), batchDone: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	if err := CheckURL(opts.URL); err != nil {
		return nil, err
	}
	switch {
	case opts.URL == "":
		if err := s.openSQLite(filepath.Join(opts.DataDir, SQLiteFile), !opts.LeaveCheckpoints); err != nil {
			return nil, err
		}
	default:
		db, err := sql.Open("pgx", opts.URL)
		if err != nil {
			return nil, ward.Wrap(ward.CodeInvalid, err, "database URL is not a valid PostgreSQL URL")
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.d, s.w, s.r = postgres, db, db
	}
	go s.batchLoop()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("database does not answer: %w", err)
	}
	return s, nil
}

// writerCacheKiB is the writer's page cache. Every send changes pages at
// places of its own (its conversation's row and index entries), so with
// thousands of active conversations SQLite's default 2 MiB re-reads pages
// from disk on most sends: 64 MiB took BenchmarkSendMessageManyConversations
// (5,000 conversations) from 4,567–5,222 to 6,588–6,618 msgs/s. The cache
// fills only as pages are used.
const writerCacheKiB = 64 << 10

func (s *Store) openSQLite(path string, checkpoints bool) error {
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return ward.Errorf(ward.CodeInvalid, "data dir %s does not exist or is not a folder", filepath.Dir(path))
	}
	// The database holds sealed PHI and metadata: readable by ward alone.
	// SQLite gives the WAL and shm files the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	f.Close()
	// One writer connection, held for the store's lifetime (its
	// transactions begin IMMEDIATE, taking the write lock at BEGIN: see
	// runWriter), several readers (WAL lets them run beside the writer).
	// synchronous=FULL: a commit is on disk.
	//
	// busy_timeout is given once a connection: the driver sorts the _pragma
	// list, putting busy_timeout first, in no set order among several, so a
	// second one meant to override the first (the checkpointer's 0) could
	// lose to it.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_pragma=temp_store(MEMORY)"
	base := "file:" + path + "?" + pragmas
	dsn := base + "&_pragma=busy_timeout(10000)"
	// The writer never checkpoints; the checkpointer does (checkpoint.go).
	// Its page cache holds writerCacheKiB instead of SQLite's 2 MiB, and it
	// writes a commit's WAL frames in one call instead of two a frame
	// (walvfs; it needs synchronous=FULL, which every connection here has).
	// The page cache wrapper first: it must be in place before SQLite
	// initialises, which registering the VFS does. Should a connection of
	// this process have come first, SQLite keeps its default cache, which
	// is only slower (pagecache's doc).
	pagecache.Install()
	if err := walvfs.Register(); err != nil {
		return err
	}
	w, err := sql.Open("sqlite", dsn+"&vfs="+walvfs.Name+"&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-"+strconv.Itoa(writerCacheKiB)+")")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	wconn, err := w.Conn(context.Background())
	if err != nil {
		w.Close()
		return err
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		wconn.Close()
		w.Close()
		return err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	if checkpoints {
		if s.ckpt, err = newCheckpointer(base, &s.wmu); err != nil {
			wconn.Close()
			w.Close()
			r.Close()
			return err
		}
		go s.ckpt.run(s.closed)
	}
	s.d, s.w, s.r, s.wconn, s.wc, s.file = sqlite, w, r, wconn, newWriterCache(), path
	s.stmts = map[*sql.DB]*stmtCache{w: newStmtCache(wconn.PrepareContext), r: newStmtCache(r.PrepareContext)}
	return nil
}

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.execWriter(ctx, "SELECT 1"); err != nil {
		return err
	}
	if s.r != s.w {
		var one int
		return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	return nil
}

// Close closes the database. On SQLite it checkpoints the WAL first, so a
// clean shutdown leaves one self-contained file.
func (s *Store) Close() error {
	select {
	case <-s.closed:
		return nil
	default:
	}
	close(s.closed)
	<-s.batchDone
	s.releaseLeader()
	for _, c := range s.stmts {
		c.close()
	}
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.d.name == "sqlite" {
		// Copy what the WAL holds without holding anyone up, then empty it
		// only if nobody else has the database open (the server, when this
		// store is a CLI command's beside it): a TRUNCATE checkpoint holds
		// the write lock while it copies and waits for readers, and the
		// server's commits would wait with it.
		for _, q := range []string{"PRAGMA wal_checkpoint(PASSIVE)", "PRAGMA busy_timeout=0", "PRAGMA wal_checkpoint(TRUNCATE)"} {
			if _, err := s.execWriter(context.Background(), q); err != nil {
				errs = append(errs, err)
				break
			}
		}
		s.wmu.Lock()
		errs = append(errs, s.wconn.Close())
		s.wconn = nil
		s.wmu.Unlock()
	}
	if s.r != nil && s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// Tx is one database transaction. Now is the time the transaction began;
// everything the transaction stamps uses it.
type Tx struct {
	q     querier
	tx    *sql.Tx // nil on the SQLite writer, whose transactions q runs on its connection
	d     dialect
	stmts *stmtCache // nil on PostgreSQL
	Now   time.Time
	// audit, in a group commit, holds the audit rows its jobs appended:
	// they are inserted together when the jobs are done (batch.go); on
	// PostgreSQL every write holds its audit rows to its end (run).
	audit *[]AuditRow
	// detached runs every statement without its caller's cancellation:
	// the SQLite writer's transactions (see run).
	detached bool
	// chain seals audit rows as they are inserted (ChainAuditOnInsert);
	// head is the chain's head as this transaction has moved it (nil until
	// its first audit row).
	chain *AuditChain
	head  *chainHead
	// mac gives audit rows their MAC as they are inserted (both dialects).
	mac AuditMAC
	// wc is the SQLite writer's cache (writercache.go); batch is set in a
	// group commit's first run, which uses it and holds message rows back.
	wc    *writerCache
	batch *batchState
	// conn is a PostgreSQL group commit's connection, whose statements go
	// together (pgpipeline.go): queued ones wait for the next, begun tells
	// that BEGIN went, pipeFailed is the first pipelined failure (the
	// transaction must not commit).
	conn       *sql.Conn
	queued     []pipeStmt
	begun      bool
	pipeFailed error
}

// querier runs statements: a *sql.Tx, or the SQLite writer's *sql.Conn.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCtx is the context a statement of tx runs with.
func (tx *Tx) stmtCtx(ctx context.Context) context.Context {
	if tx.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// Write runs fn in a read-write transaction and commits it when fn returns
// nil. On SQLite writes are serialised through one connection.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.write(ctx, false, fn)
}

// write runs fn in a read-write transaction, firstRun marking a group
// commit's first run: on SQLite on the writer's connection (runWriter), on
// PostgreSQL a first run's statements pipelined (runPostgresBatch).
func (s *Store) write(ctx context.Context, firstRun bool, fn func(*Tx) error) error {
	if s.d.name == "sqlite" {
		return s.runWriter(ctx, firstRun, fn)
	}
	if firstRun {
		return s.runPostgresBatch(ctx, fn)
	}
	return s.run(ctx, s.w, false, fn)
}

// Read runs fn in a read-only transaction.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, s.r, true, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: readOnly && s.d.name == "postgres"}
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return s.d.wrap(err)
	}
	tx := &Tx{q: sqlTx, tx: sqlTx, d: s.d, stmts: s.stmts[db], Now: s.now().UTC(), mac: s.auditMAC()}
	if tx.stmts != nil {
		defer tx.stmts.prepareNoted(context.WithoutCancel(ctx))
	}
	if !readOnly && s.d.name == "postgres" {
		err = s.runChained(ctx, tx, fn)
	} else {
		err = fn(tx)
	}
	if err != nil {
		sqlTx.Rollback()
		return err
	}
	return s.d.wrap(sqlTx.Commit())
}

// runChained runs fn in tx, a PostgreSQL write, and inserts the audit rows
// it added at the end. They are chained there, under the chain's lock
// (chainRows), so that the lock is held from there to the commit only, and
// its holder waits for no other lock.
func (s *Store) runChained(ctx context.Context, tx *Tx, fn func(*Tx) error) error {
	var held []AuditRow
	if tx.chain = s.auditChain(); tx.chain != nil {
		tx.audit = &held
	}
	if err := fn(tx); err != nil || tx.chain == nil {
		return err
	}
	tx.audit = nil
	return tx.InsertAuditRows(ctx, held)
}

// runWriter runs fn in an IMMEDIATE transaction on the SQLite writer's
// connection, BEGIN and COMMIT being statements of its own rather than a
// database/sql transaction, and every statement without its caller's
// cancellation. database/sql watches a transaction, and every query in
// one, from a goroutine of its own, and so does the driver every statement
// whose context can end: three to four goroutines a send, all on the single
// writer's path. The writer is one connection on the local disk, BEGIN
// waits on busy_timeout, and a write whose caller left either commits or
// rolls back whole. firstRun marks a group commit's first run, which
// answers from the writer cache and holds message rows back
// (writercache.go).
func (s *Store) runWriter(ctx context.Context, firstRun bool, fn func(*Tx) error) error {
	ctx = context.WithoutCancel(ctx)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wconn == nil {
		return errClosed()
	}
	if _, err := s.wconn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return s.d.wrap(err)
	}
	tx := &Tx{q: s.wconn, d: s.d, stmts: s.stmts[s.w], Now: s.now().UTC(), detached: true, chain: s.auditChain(), wc: s.wc,
		mac: s.auditMAC()}
	defer tx.stmts.prepareNoted(ctx)
	committed := false
	defer func() {
		if !committed { // fn failed or panicked, or COMMIT failed
			s.wconn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	if firstRun {
		if err := s.wc.check(ctx, tx); err != nil {
			return err
		}
		tx.batch = newBatchState()
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.insertHeld(ctx); err != nil {
		return err
	}
	if _, err := s.wconn.ExecContext(ctx, "COMMIT"); err != nil {
		return s.d.wrap(err)
	}
	committed = true
	if tx.batch != nil {
		s.wc.commit(tx.batch)
	}
	if s.ckpt != nil {
		s.ckpt.commits.Add(1)
	}
	return nil
}

// execWriter runs one statement on the writer outside any transaction.
func (s *Store) execWriter(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.d.name != "sqlite" {
		return s.w.ExecContext(ctx, query, args...)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wconn == nil {
		return nil, errClosed()
	}
	return s.wconn.ExecContext(ctx, query, args...)
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := tx.insertHeld(ctx); err != nil {
		return nil, err
	}
	if err := tx.flush(ctx); err != nil {
		return nil, err
	}
	ctx = tx.stmtCtx(ctx)
	var res sql.Result
	var err error
	if st := tx.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = tx.q.ExecContext(ctx, query, args...)
	}
	return res, tx.d.wrap(err)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := tx.insertHeld(ctx); err != nil {
		return nil, err
	}
	if err := tx.flush(ctx); err != nil {
		return nil, err
	}
	ctx = tx.stmtCtx(ctx)
	var rows *sql.Rows
	var err error
	if st := tx.stmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = tx.q.QueryContext(ctx, query, args...)
	}
	return rows, tx.d.wrap(err)
}

// A failure to insert held rows before it, or of a pipelined statement,
// is kept in tx.batch or tx.pipeFailed: the run does not commit.
func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	tx.insertHeld(ctx)
	tx.flush(ctx)
	ctx = tx.stmtCtx(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.q.QueryRowContext(ctx, query, args...)
}

// micros is how times are stored: Unix microseconds, the same on both databases.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// CheckURL reports whether url names a database ward can use, without
// connecting: empty (SQLite) or a well-formed postgres:// URL.
func CheckURL(u string) error {
	if u == "" {
		return nil
	}
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return ward.Errorf(ward.CodeInvalid, "database URL must be empty (SQLite) or start with postgres://")
	}
	if _, err := url.Parse(u); err != nil {
		return ward.Errorf(ward.CodeInvalid, "database URL is not a valid URL")
	}
	return nil
}

// execOne runs a statement that must change exactly one row; none is
// not_found.
func (tx *Tx) execOne(ctx context.Context, query string, args ...any) error {
	res, err := tx.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ward.Errorf(ward.CodeNotFound, "not found")
	}
	return nil
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, tx *Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, tx.d.wrap(rows.Err())
}
