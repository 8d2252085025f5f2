package store

import (
	"context"
	"database/sql"
	"slices"
)

// MigrateUpTo applies the migrations up to version v: for tests of a
// migration over data written by the schema before it.
func (s *Store) MigrateUpTo(ctx context.Context, v int) ([]string, error) { return s.migrate(ctx, v) }

// ExecForTest runs one statement in tx: for tests that write rows no
// method of this version writes any more.
func (tx *Tx) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}

// QueryRowForTest runs one query in tx: for tests that look at rows no
// method reads as they need.
func (tx *Tx) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.queryRow(ctx, q, args...)
}

// MaxSkips is how many batches may leave a send for later (pgbatch.go).
const MaxSkips = maxSkips

// RunSendBatchForTest runs one group commit of s, as its batch loop does,
// of a send job per conversation of convIDs (fn(i, tx) being job i), each
// already left for later skipped times. It returns the errors of the jobs
// it answered and the indexes of those it left for a later batch.
func (s *Store) RunSendBatchForTest(convIDs []string, skipped int, fn func(i int, tx *Tx) error) (map[int]error, []int) {
	jobs := make([]*batchJob, len(convIDs))
	for i, id := range convIDs {
		jobs[i] = &batchJob{ctx: context.Background(), convID: id, skipped: skipped, done: make(chan error, 1),
			fn: func(tx *Tx) error { return fn(i, tx) }}
	}
	later := s.runBatch(jobs)
	answered := make(map[int]error)
	var left []int
	for i, j := range jobs {
		select {
		case err := <-j.done:
			answered[i] = err
		default:
			if !slices.Contains(later, j) {
				panic("a job neither answered nor left for later")
			}
			left = append(left, i)
		}
	}
	return answered, left
}
