package store

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// A PostgreSQL group commit's round trips. Each statement sent on its own
// costs a round trip, and on this kind of host most of a small batch's CPU
// is the round trips' syscalls and wake-ups, on both sides: a batch of one
// send cost the server about 540 µs of CPU in seven round trips. So a
// group commit's first run (batch.go) runs on a connection of its own
// (runPostgresBatch), with BEGIN and COMMIT as statements rather than a
// database/sql transaction, and sends statements together, in one round
// trip, as a pgx pipeline:
//
//   - BEGIN with the conversation locks and last sequence numbers
//     (beginPostgresBatch);
//   - the held message rows' INSERT, the audit rows' INSERT (which takes
//     the audit chain's lock and chains them, chain_audit_rows) and COMMIT
//     (insertRows and insertChained queue the INSERTs).
//
// Two round trips where there were seven. A statement that does not
// return rows and whose result nobody waits for (BEGIN, an insertRows
// INSERT) is queued (Tx.queued) and goes with the next statement; any
// other statement of the transaction (a job's own query) sends the queue
// first. PostgreSQL runs a pipeline's statements in order and skips the
// rest after one fails, so a failure anywhere fails the run, which then
// runs again one job at a time in savepoints, on the ordinary path
// (Store.run), as when a job fails.

// pipeStmt is a statement of a pipeline. row, when set, is called with
// each row of its result.
type pipeStmt struct {
	sql  string
	args []any
	row  func(scan func(dest ...any) error) error
}

// runPostgresBatch runs fn, a group commit's first run, in a transaction
// on a connection of its own whose statements tx pipelines, and commits
// it when fn returns nil. A failure before the commit, a queued
// statement's too, rolls back and returns errJobFailed: the batch then
// runs again in savepoints. A COMMIT that PostgreSQL refused is such a
// failure; one whose answer was lost (the connection broke) is returned as
// it is, as a failed Commit is elsewhere: whether it committed is unknown.
func (s *Store) runPostgresBatch(ctx context.Context, fn func(*Tx) error) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.d.wrap(err)
	}
	defer conn.Close()
	tx := &Tx{q: conn, conn: conn, d: s.d, Now: s.now().UTC(), mac: s.auditMAC(), queued: []pipeStmt{{sql: "BEGIN"}}}
	err = s.runChained(ctx, tx, fn)
	if err == nil && tx.pipeFailed == nil {
		err = tx.pipeline(ctx, pipeStmt{sql: "COMMIT"})
		if err == nil {
			return nil
		}
		if refused := (*pgconn.PgError)(nil); !errors.As(err, &refused) {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // drop the connection
			return err
		}
	}
	if tx.begun { // the transaction rolls back before the connection goes back to the pool
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	return errJobFailed
}

// pipeline runs the queued statements and stmts, in order: on the group
// commit's connection in one round trip, elsewhere one at a time. The
// first error fails the transaction's commit (pipeFailed).
func (tx *Tx) pipeline(ctx context.Context, stmts ...pipeStmt) error {
	all := append(tx.queued, stmts...)
	tx.queued = nil
	if len(all) == 0 {
		return nil
	}
	var err error
	if tx.conn == nil {
		for _, st := range all {
			if err = tx.runStmt(ctx, st); err != nil {
				break
			}
		}
	} else {
		tx.begun = true
		err = tx.d.wrap(tx.conn.Raw(func(dc any) error {
			b := &pgx.Batch{}
			for _, st := range all {
				q := b.Queue(st.sql, st.args...)
				if row := st.row; row != nil {
					q.Query(func(rows pgx.Rows) error {
						for rows.Next() {
							if err := row(rows.Scan); err != nil {
								return err
							}
						}
						return rows.Err()
					})
				} else {
					q.Exec(func(pgconn.CommandTag) error { return nil })
				}
			}
			return dc.(*stdlib.Conn).Conn().SendBatch(ctx, b).Close()
		}))
	}
	if err != nil && tx.pipeFailed == nil {
		tx.pipeFailed = err
	}
	return err
}

// runStmt runs st alone.
func (tx *Tx) runStmt(ctx context.Context, st pipeStmt) error {
	if st.row == nil {
		_, err := tx.exec(ctx, st.sql, st.args...)
		return err
	}
	rows, err := tx.query(ctx, st.sql, st.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := st.row(rows.Scan); err != nil {
			return tx.d.wrap(err)
		}
	}
	return tx.d.wrap(rows.Err())
}

// flush sends the queued statements, before a statement of the
// transaction that is not pipelined.
func (tx *Tx) flush(ctx context.Context) error {
	if len(tx.queued) == 0 {
		return tx.pipeFailed
	}
	return tx.pipeline(ctx)
}
