package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// AuditRow is one row of audit_events as stored. internal/audit owns its
// meaning (the event model, the hash chain); the store only moves it.
// Seq is 0 and PrevHash, Hash are nil until the row is sealed.
type AuditRow struct {
	ID            int64
	Seq           int64
	At            time.Time
	OrgID         string
	ActorUserID   string
	ActorRole     string
	ActorDeviceID string
	ActorIP       string
	Action        string
	ResourceType  string
	ResourceID    string
	PatientID     string
	Outcome       string
	Reason        string
	PrevHash      []byte
	Hash          []byte
	// MAC authenticates the row's content: internal/audit computes it at
	// insert time (MACAuditOnInsert) with a key the database does not
	// hold. Nil on rows written before MACs (migration 0016) or without a
	// key.
	MAC []byte
}

// AuditCheckpoint is one row of audit_checkpoints: a signed chain head.
type AuditCheckpoint struct {
	N     int64 // contiguous from 1
	Seq   int64
	Hash  []byte
	At    time.Time
	KeyID string
	Sig   []byte
}

const auditCols = "id, COALESCE(seq, 0), at, org_id, actor_user_id, actor_role, actor_device_id, actor_ip, " +
	"action, resource_type, resource_id, patient_id, outcome, reason, prev_hash, hash, mac"

// AuditChain seals audit rows as the store inserts them. internal/audit
// provides it: the store only moves rows.
type AuditChain struct {
	// Rows gives rows, which follow the chain head (seq, hash: 0 and nil
	// for an empty chain), in order, their Seq, PrevHash and Hash: on
	// SQLite, whose single writer chains them in this process.
	Rows func(seq int64, hash []byte, rows []AuditRow)
	// Canonical appends r's canonical encoding, its Seq zero, to b: on
	// PostgreSQL, whose chain_audit_rows (migration 0045) hashes it with
	// the row's seq written into its bytes 1 to 8, in the INSERT.
	Canonical func(b []byte, r *AuditRow) []byte
}

type chainHead struct {
	seq  int64
	hash []byte
}

// ChainAuditOnInsert makes the store seal audit rows as it inserts them,
// in the inserting transaction, so that rows never wait for the sealer,
// which would otherwise read each one back and rewrite it (an UPDATE of a
// row and its index entries, the largest cost of an audited write on
// PostgreSQL). On SQLite the head is read once a transaction, under the
// single writer's lock, so no other writer can move it meanwhile. On
// PostgreSQL several transactions (and nodes) write at once: a
// transaction's audit rows are held back to its end and inserted there by
// one statement, which takes the chain's lock (the sealer's advisory lock,
// held to the commit), reads the head and hashes the rows
// (chain_audit_rows): transactions chain in the order they commit, the
// lock's holder waits for no other lock, so it cannot deadlock, nor for a
// round trip to this process. A transaction that rolls back takes its seqs
// with it. Rows inserted unsealed before (or by a process without this)
// are still sealed by the sealer, after the inline ones.
func (s *Store) ChainAuditOnInsert(chain AuditChain) { s.chain.Store(&chain) }

// auditChain returns what ChainAuditOnInsert set, or nil.
func (s *Store) auditChain() *AuditChain { return s.chain.Load() }

// AuditMAC fills in each row's MAC from its content. internal/audit
// provides it (the key never reaches the store).
type AuditMAC func(rows []AuditRow)

// MACAuditOnInsert makes every InsertAuditRows of s, on either dialect,
// give each row its MAC before it is chained or inserted: the one place
// every audit append passes through (Append in a transaction, the
// Recorder's group commit, a group commit's held rows).
func (s *Store) MACAuditOnInsert(mac AuditMAC) { s.mac.Store(&mac) }

// auditMAC returns the function MACAuditOnInsert set, or nil.
func (s *Store) auditMAC() AuditMAC {
	if p := s.mac.Load(); p != nil {
		return *p
	}
	return nil
}

// InsertAuditRows inserts audit rows in the caller's transaction, in order:
// sealed on the SQLite writer once ChainAuditOnInsert was called, unsealed
// otherwise. It fills in the rows' MAC (once MACAuditOnInsert was called)
// and the sealed rows' Seq, PrevHash and Hash. It inserts them with
// insertRows: one INSERT on PostgreSQL.
func (tx *Tx) InsertAuditRows(ctx context.Context, rows []AuditRow) error {
	if tx.audit != nil {
		*tx.audit = append(*tx.audit, rows...)
		return nil
	}
	if len(rows) == 0 {
		return nil
	}
	if tx.mac != nil {
		tx.mac(rows)
	}
	if tx.chain != nil && tx.d.name == "postgres" {
		return tx.insertChained(ctx, rows)
	}
	cols, types := auditInsertCols, auditInsertTypes
	if tx.chain != nil {
		if err := tx.chainRows(ctx, rows); err != nil {
			return err
		}
		cols, types = cols+", seq, prev_hash, hash", auditSealedTypes
	}
	args := make([]any, 0, len(rows)*len(types))
	for _, r := range rows {
		args = appendAuditArgs(args, &r)
		if tx.chain != nil {
			args = append(args, r.Seq, r.PrevHash, r.Hash)
		}
	}
	if err := tx.insertRows(ctx, "audit_events", cols, types, args); err != nil {
		return fmt.Errorf("insert audit events: %w", err)
	}
	return nil
}

// appendAuditArgs appends r's values for auditInsertCols.
func appendAuditArgs(args []any, r *AuditRow) []any {
	return append(args, micros(r.At), r.OrgID, r.ActorUserID, r.ActorRole, r.ActorDeviceID, r.ActorIP,
		r.Action, r.ResourceType, r.ResourceID, r.PatientID, r.Outcome, r.Reason, r.MAC)
}

// insertChained inserts rows sealed on PostgreSQL: one statement takes
// the chain's lock and gives each row its seq and hashes from its
// canonical encoding (chain_audit_rows, migration 0045), so the lock is
// held from there to the commit and over no round trip. In a group commit
// it goes with the COMMIT (pgpipeline.go). The rows' Seq, PrevHash and
// Hash stay unset here: nothing reads them back.
func (tx *Tx) insertChained(ctx context.Context, rows []AuditRow) error {
	width := len(auditInsertTypes)
	args := make([]any, 0, len(rows)*width)
	canon := make([][]byte, len(rows))
	for i := range rows {
		args = appendAuditArgs(args, &rows[i])
		canon[i] = tx.chain.Canonical(nil, &rows[i])
	}
	st := pipeStmt{sql: chainedAuditInsert, args: append(columns(args, auditInsertTypes), canon)}
	if tx.conn != nil {
		tx.queued = append(tx.queued, st)
		return nil
	}
	if err := tx.runStmt(ctx, st); err != nil {
		return fmt.Errorf("insert audit events: %w", err)
	}
	return nil
}

// chainedAuditInsert is insertChained's statement: the rows' columns as
// arrays, then their canonical encodings. chain_audit_rows runs once (a
// set-returning function in FROM), before any row is inserted.
var chainedAuditInsert = func() string {
	var sel, arrays strings.Builder
	for j, col := range strings.Split(auditInsertCols, ", ") {
		if j > 0 {
			sel.WriteString(", ")
			arrays.WriteString(", ")
		}
		sel.WriteString("r." + col)
		arrays.WriteString("$" + strconv.Itoa(j+1) + "::" + auditInsertTypes[j] + "[]")
	}
	n := len(auditInsertTypes)
	return "INSERT INTO audit_events (" + auditInsertCols + ", seq, prev_hash, hash) SELECT " + sel.String() +
		", c.seq, c.prev_hash, c.hash FROM unnest(" + arrays.String() + ") WITH ORDINALITY AS r(" + auditInsertCols +
		", i) JOIN chain_audit_rows($" + strconv.Itoa(n+1) + "::bytea[]) WITH ORDINALITY AS c(seq, prev_hash, hash, i) USING (i)"
}()

const auditInsertCols = "at, org_id, actor_user_id, actor_role, actor_device_id, actor_ip, " +
	"action, resource_type, resource_id, patient_id, outcome, reason, mac"

// auditInsertTypes are the PostgreSQL types of auditInsertCols
// (insertRows); auditSealedTypes add seq, prev_hash and hash.
var (
	auditInsertTypes = []string{"bigint", "text", "text", "text", "text", "text",
		"text", "text", "text", "text", "text", "text", "bytea"}
	auditSealedTypes = append(slices.Clip(auditInsertTypes), "bigint", "bytea", "bytea")
)

// chainRows seals rows after the chain head and moves the head past them,
// on SQLite (PostgreSQL chains them in their INSERT, insertChained). The
// first time in a transaction it reads the head (AuditHead): the single
// writer's lock keeps anyone else from moving it.
func (tx *Tx) chainRows(ctx context.Context, rows []AuditRow) error {
	if tx.head == nil {
		seq, hash, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		tx.head = &chainHead{seq: seq, hash: hash}
	}
	tx.chain.Rows(tx.head.seq, tx.head.hash, rows)
	last := rows[len(rows)-1]
	tx.head = &chainHead{seq: last.Seq, hash: last.Hash}
	return nil
}

// LockAuditChain takes the audit chain's lock for the rest of the
// transaction, waiting for it: whoever holds it is the only one to move
// the chain's head until it commits. On PostgreSQL it is an advisory
// transaction lock (migration 0043 holds its key, in lock_audit_head()),
// which every transaction that chains rows takes at its end
// (chain_audit_rows, insertChained), and the sealer, checkpoints and
// purges take first; on SQLite the single writer already serialises, and
// it does nothing.
func (tx *Tx) LockAuditChain(ctx context.Context) error {
	if tx.d.name != "postgres" {
		return nil
	}
	return tx.pipeline(ctx, pipeStmt{sql: "SELECT FROM lock_audit_head()"})
}

// AuditHead returns the chain head: the last sealed row's seq and hash, or
// the last checkpoint's when retention removed every row, or (0, nil) for
// an empty chain.
func (tx *Tx) AuditHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := tx.queryRow(ctx, "SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return tx.checkpointHead(ctx)
	}
	return seq, hash, err
}

// checkpointHead is the head of a chain without rows: the last
// checkpoint's seq and hash, or (0, nil).
func (tx *Tx) checkpointHead(ctx context.Context) (int64, []byte, error) {
	cp, err := tx.LastAuditCheckpoint(ctx)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return 0, nil, nil
	}
	return cp.Seq, cp.Hash, err
}

// UnsealedAuditRows returns up to limit unsealed rows in insertion order.
func (tx *Tx) UnsealedAuditRows(ctx context.Context, limit int) ([]AuditRow, error) {
	rows, err := tx.query(ctx, "SELECT "+auditCols+" FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT $1", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var r AuditRow
		if err := scanAuditRow(rows, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, tx.d.wrap(rows.Err())
}

// EachUnsealedAuditRow calls fn for up to limit unsealed rows with id >
// afterID, in insertion order. The row passed to fn is reused.
func (tx *Tx) EachUnsealedAuditRow(ctx context.Context, afterID int64, limit int, fn func(*AuditRow) error) error {
	rows, err := tx.query(ctx, "SELECT "+auditCols+" FROM audit_events WHERE seq IS NULL AND id > $1 ORDER BY id LIMIT $2", afterID, limit)
	if err != nil {
		return err
	}
	return eachAuditRow(tx, rows, fn)
}

// AuditChainHasMACs reports whether the chain is in the MAC era: its last
// sealed row carries a MAC (false for an empty chain).
func (tx *Tx) AuditChainHasMACs(ctx context.Context) (bool, error) {
	var mac []byte
	err := tx.queryRow(ctx, "SELECT mac FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1").Scan(&mac)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return len(mac) > 0, tx.d.wrap(err)
}

// SealAuditRows stores Seq, PrevHash and Hash of each row, found by ID.
// On SQLite each row is one cached statement (a multi-row UPDATE … FROM
// (VALUES …), as on PostgreSQL, made SQLite scan the unsealed rows once per
// row: seconds per batch).
func (tx *Tx) SealAuditRows(ctx context.Context, rows []AuditRow) error {
	if tx.d.name == "postgres" {
		return tx.sealAuditRowsPostgres(ctx, rows)
	}
	for _, r := range rows {
		res, err := tx.exec(ctx, "UPDATE audit_events SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4 AND seq IS NULL",
			r.Seq, r.PrevHash, r.Hash, r.ID)
		if err != nil {
			return fmt.Errorf("seal audit event %d: %w", r.Seq, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ward.Errorf(ward.CodeConflict, "audit event id %d is no longer unsealed", r.ID)
		}
	}
	return nil
}

// sealAuditRowsPostgres updates many rows per round trip, each found by
// its primary key. The guard that a row is still unsealed is written
// COALESCE(a.seq, 0) = 0 (seqs start at 1) rather than a.seq IS NULL: the
// latter matches the predicate of the partial index audit_events_unsealed,
// and the planner then read the whole index (a bitmap scan, which never
// marks dead entries) and hash-joined it with the VALUES. That index holds
// an entry for every row sealed since the last vacuum: under a send load
// each statement of 64-128 rows took 11-16 ms, the largest share of
// PostgreSQL's time (auto_explain, ward bench on two nodes).
func (tx *Tx) sealAuditRowsPostgres(ctx context.Context, rows []AuditRow) error {
	for len(rows) > 0 {
		n := rowsPerInsert(len(rows))
		var b strings.Builder
		b.WriteString("UPDATE audit_events AS a SET seq = v.seq, prev_hash = v.prev, hash = v.hash FROM (VALUES ")
		args := make([]any, 0, n*4)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "($%d::bigint,$%d::bigint,$%d::bytea,$%d::bytea)", i*4+1, i*4+2, i*4+3, i*4+4)
			args = append(args, r.ID, r.Seq, r.PrevHash, r.Hash)
		}
		b.WriteString(") AS v(id, seq, prev, hash) WHERE a.id = v.id AND COALESCE(a.seq, 0) = 0")
		res, err := tx.exec(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("seal audit events: %w", err)
		}
		if got, _ := res.RowsAffected(); got != int64(n) {
			return ward.Errorf(ward.CodeConflict, "sealed %d audit events of %d: another sealer ran", got, n)
		}
		rows = rows[n:]
	}
	return nil
}

// SealedAuditRows calls fn for up to limit sealed rows with seq > after, in
// seq order. The row passed to fn is reused: copy what you keep.
func (tx *Tx) SealedAuditRows(ctx context.Context, after int64, limit int, fn func(*AuditRow) error) error {
	rows, err := tx.query(ctx, "SELECT "+auditCols+" FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
	if err != nil {
		return err
	}
	return eachAuditRow(tx, rows, fn)
}

// AuditRowsBetween calls fn for every row (sealed or not) with from <= at <
// to, in insertion order, after the row with id afterID. The row passed to
// fn is reused.
func (tx *Tx) AuditRowsBetween(ctx context.Context, from, to time.Time, afterID int64, limit int, fn func(*AuditRow) error) error {
	rows, err := tx.query(ctx, "SELECT "+auditCols+" FROM audit_events WHERE at >= $1 AND at < $2 AND id > $3 ORDER BY id LIMIT $4",
		micros(from), micros(to), afterID, limit)
	if err != nil {
		return err
	}
	return eachAuditRow(tx, rows, fn)
}

func eachAuditRow(tx *Tx, rows *sql.Rows, fn func(*AuditRow) error) error {
	defer rows.Close()
	var r AuditRow
	for rows.Next() {
		if err := scanAuditRow(rows, &r); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return tx.d.wrap(rows.Err())
}

func scanAuditRow(rows interface{ Scan(...any) error }, r *AuditRow) error {
	var at int64
	r.PrevHash, r.Hash, r.MAC = nil, nil, nil
	err := rows.Scan(&r.ID, &r.Seq, &at, &r.OrgID, &r.ActorUserID, &r.ActorRole, &r.ActorDeviceID, &r.ActorIP,
		&r.Action, &r.ResourceType, &r.ResourceID, &r.PatientID, &r.Outcome, &r.Reason, &r.PrevHash, &r.Hash, &r.MAC)
	r.At = fromMicros(at)
	return err
}

// AuditRowBySeq returns the sealed row with the given seq.
func (tx *Tx) AuditRowBySeq(ctx context.Context, seq int64) (AuditRow, error) {
	var r AuditRow
	err := scanAuditRow(tx.queryRow(ctx, "SELECT "+auditCols+" FROM audit_events WHERE seq = $1", seq), &r)
	return r, tx.d.wrap(err)
}

// AuditSeqByHash returns the seq of a sealed row whose stored hash is h. It
// scans the table: it is for diagnosing a broken chain, not for hot paths.
func (tx *Tx) AuditSeqByHash(ctx context.Context, h []byte) (int64, error) {
	var seq int64
	err := tx.queryRow(ctx, "SELECT seq FROM audit_events WHERE hash = $1 ORDER BY seq LIMIT 1", h).Scan(&seq)
	return seq, tx.d.wrap(err)
}

// CountUnsealedAudit counts rows the sealer has not reached yet.
func (tx *Tx) CountUnsealedAudit(ctx context.Context) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM audit_events WHERE seq IS NULL").Scan(&n)
	return n, tx.d.wrap(err)
}

// FirstAuditSeqAtOrAfter returns the lowest sealed seq whose time is at or
// after t, or 0 when there is none.
func (tx *Tx) FirstAuditSeqAtOrAfter(ctx context.Context, t time.Time) (int64, error) {
	var seq int64
	err := tx.queryRow(ctx, "SELECT COALESCE(MIN(seq), 0) FROM audit_events WHERE seq IS NOT NULL AND at >= $1", micros(t)).Scan(&seq)
	return seq, tx.d.wrap(err)
}

// DeleteSealedAuditThrough deletes sealed rows with seq <= seq. Only audit
// retention calls it.
func (tx *Tx) DeleteSealedAuditThrough(ctx context.Context, seq int64) (int64, error) {
	res, err := tx.exec(ctx, "DELETE FROM audit_events WHERE seq IS NOT NULL AND seq <= $1", seq)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// InsertAuditCheckpoint stores a signed checkpoint.
func (tx *Tx) InsertAuditCheckpoint(ctx context.Context, c AuditCheckpoint) error {
	_, err := tx.exec(ctx, "INSERT INTO audit_checkpoints (n, seq, hash, at, key_id, sig) VALUES ($1, $2, $3, $4, $5, $6)",
		c.N, c.Seq, c.Hash, micros(c.At), c.KeyID, c.Sig)
	return err
}

const checkpointCols = "n, seq, hash, at, key_id, sig"

func scanCheckpoint(row interface{ Scan(...any) error }, c *AuditCheckpoint) error {
	var at int64
	err := row.Scan(&c.N, &c.Seq, &c.Hash, &at, &c.KeyID, &c.Sig)
	c.At = fromMicros(at)
	return err
}

// LastAuditCheckpoint returns the newest checkpoint (not found if none).
func (tx *Tx) LastAuditCheckpoint(ctx context.Context) (AuditCheckpoint, error) {
	var c AuditCheckpoint
	err := scanCheckpoint(tx.queryRow(ctx, "SELECT "+checkpointCols+" FROM audit_checkpoints ORDER BY n DESC LIMIT 1"), &c)
	return c, tx.d.wrap(err)
}

// LastAuditCheckpointAtOrBefore returns the newest checkpoint with seq <=
// seq (not found if none).
func (tx *Tx) LastAuditCheckpointAtOrBefore(ctx context.Context, seq int64) (AuditCheckpoint, error) {
	var c AuditCheckpoint
	err := scanCheckpoint(tx.queryRow(ctx, "SELECT "+checkpointCols+" FROM audit_checkpoints WHERE seq <= $1 ORDER BY seq DESC, n DESC LIMIT 1", seq), &c)
	return c, tx.d.wrap(err)
}

// AuditCheckpoints returns every checkpoint in n order. Checkpoints are few
// (one per sealing interval with new events), and are kept when retention
// removes events.
func (tx *Tx) AuditCheckpoints(ctx context.Context) ([]AuditCheckpoint, error) {
	rows, err := tx.query(ctx, "SELECT "+checkpointCols+" FROM audit_checkpoints ORDER BY n")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditCheckpoint
	for rows.Next() {
		var c AuditCheckpoint
		if err := scanCheckpoint(rows, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, tx.d.wrap(rows.Err())
}

// ExecRaw runs one statement on the writer outside any transaction and
// returns the rows affected. It exists for tests and tamper drills (editing
// audit rows as a database admin would); application code never uses it.
func (s *Store) ExecRaw(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.execWriter(ctx, query, args...)
	if err != nil {
		return 0, s.d.wrap(err)
	}
	return res.RowsAffected()
}
