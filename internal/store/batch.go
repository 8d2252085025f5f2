package store

import (
	"context"
	"errors"
	"slices"
)

// Group commit. Write runs one transaction per call, and on SQLite with
// synchronous=FULL every commit is an fsync, so concurrent writers wait on
// each other's fsyncs. WriteBatched instead queues the work; one goroutine
// takes every queued job, runs them in a single transaction and commits
// once: one fsync covers the whole batch. A job that fails rolls back
// alone: the batch is run again with each job in a savepoint of its own
// (savepoints cost two statements a job, so the first run has none).
//
// The jobs' audit rows (InsertAuditRows) are held back and inserted at the
// end of the batch as one multi-row INSERT, in job order, in the same
// transaction: a send so costs one statement fewer. A job that fails drops
// its rows with its other changes.
//
// audit.Recorder keeps a group commit of its own on purpose: its jobs are
// all alike (rows of one table), so it writes a batch as one multi-row
// INSERT with no savepoints, about twice as fast as WriteBatched here
// (28,900 against 13,000–17,000 events/s, BenchmarkRecorder).

// maxBatch bounds the jobs in one group commit.
const maxBatch = 256

type batchJob struct {
	ctx context.Context
	fn  func(*Tx) error
	// convID, when set, is the conversation the job sends to: on
	// PostgreSQL the batch locks and reads its conversations together
	// before the jobs run (pgbatch.go).
	convID string
	// skipped counts the batches that left this job for a later one
	// (PostgreSQL: another node's batch held its conversation).
	skipped int
	done    chan error // buffered
}

// WriteBatched runs fn in a read-write transaction shared with other
// concurrent WriteBatched calls, and returns once that transaction has
// committed (nil) or fn or the commit failed. fn must not keep tx, and its
// changes must be its own: it runs after other jobs of the batch and before
// others. fn may run twice: when a job of the batch fails, the batch rolls
// back and runs again with each job in a savepoint, so fn must set, not
// accumulate, what it hands back. Use it on hot paths where many small writes
// arrive at once (sending messages); Write for everything else.
func (s *Store) WriteBatched(ctx context.Context, fn func(*Tx) error) error {
	return s.writeBatched(ctx, &batchJob{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// WriteBatchedSend is WriteBatched for a job that sends a message to
// conversation convID (InsertMessage). On PostgreSQL a batch's first run
// then locks the rows of all its jobs' conversations and reads what
// their sends need in two statements, instead of two statements a send
// (pgbatch.go); SQLite's writer answers from its cache either way.
func (s *Store) WriteBatchedSend(ctx context.Context, convID string, fn func(*Tx) error) error {
	return s.writeBatched(ctx, &batchJob{ctx: ctx, fn: fn, convID: convID, done: make(chan error, 1)})
}

func (s *Store) writeBatched(ctx context.Context, job *batchJob) error {
	select {
	case s.batches <- job:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return errClosed()
	}
	select {
	case err := <-job.done:
		return err
	case <-ctx.Done():
		// The job may still commit; the caller's retry with the same
		// idempotency key finds it.
		return ctx.Err()
	}
}

// batchLoop is the single group-commit writer. The jobs a batch left for
// later run first in the next one.
func (s *Store) batchLoop() {
	defer close(s.batchDone)
	var later []*batchJob
	for {
		jobs := later
		if len(jobs) == 0 {
			select {
			case j := <-s.batches:
				jobs = []*batchJob{j}
			case <-s.closed:
				return
			}
		}
	drain:
		for len(jobs) < maxBatch {
			select {
			case j := <-s.batches:
				jobs = append(jobs, j)
			default:
				break drain
			}
		}
		later = s.runBatch(jobs)
	}
}

// runBatch runs jobs in one transaction and answers each, but for those
// it returns: left for a later batch, unanswered. A job is either answered
// or returned, never both: its done channel holds one answer.
func (s *Store) runBatch(jobs []*batchJob) (later []*batchJob) {
	// No deadline on the batch: a job whose caller left is skipped before
	// it runs, and on SQLite BEGIN waits on busy_timeout.
	ctx := context.Background()
	// First without savepoints (two statements fewer a job); if a job
	// fails, the whole batch rolls back and runs again with a savepoint
	// around each job, so the failed one rolls back alone.
	errs, commitErr := s.runJobs(ctx, jobs, false)
	if errors.Is(commitErr, errJobFailed) {
		errs, commitErr = s.runJobs(ctx, jobs, true) // leaves none for later
	}
	for i, j := range jobs {
		switch {
		case commitErr == nil && errs[i] == errLater:
			j.skipped++
			later = append(later, j)
			continue
		case commitErr != nil && (errs[i] == nil || errs[i] == errLater):
			errs[i] = commitErr
		}
		j.done <- errs[i]
	}
	return later
}

// errJobFailed rolls back a batch run without savepoints in which a job
// failed.
var errJobFailed = errors.New("a job of the batch failed")

// errLater marks a job the batch left for a later one.
var errLater = errors.New("left for a later batch")

// runJobs runs the jobs in one transaction, each in a savepoint of its own
// when savepoints is true; without them, the first job that fails ends the
// transaction with errJobFailed. A job the batch leaves for a later one
// (pgbatch.go) gets errLater and does not run.
func (s *Store) runJobs(ctx context.Context, jobs []*batchJob, savepoints bool) ([]error, error) {
	errs := make([]error, len(jobs))
	commitErr := s.write(ctx, !savepoints, func(tx *Tx) error {
		var later []*batchJob
		if !savepoints && tx.d.name == "postgres" {
			var err error
			if later, err = tx.beginPostgresBatch(ctx, jobs); err != nil {
				return errJobFailed // run again without it, one job at a time
			}
		}
		var audit []AuditRow
		tx.audit = &audit
		for i, j := range jobs {
			if err := j.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if slices.Contains(later, j) {
				errs[i] = errLater
				continue
			}
			if !savepoints {
				if errs[i] = j.fn(tx); errs[i] != nil {
					return errJobFailed
				}
				continue
			}
			if _, err := tx.exec(ctx, "SAVEPOINT job"); err != nil {
				return err
			}
			kept := len(audit)
			if errs[i] = j.fn(tx); errs[i] != nil {
				audit = audit[:kept] // the job's audit rows go with its changes
				if _, err := tx.exec(ctx, "ROLLBACK TO SAVEPOINT job"); err != nil {
					return err
				}
			}
			if _, err := tx.exec(ctx, "RELEASE SAVEPOINT job"); err != nil {
				return err
			}
		}
		if tx.insertHeld(ctx) != nil {
			return errJobFailed // a held message's client id was used before, say
		}
		tx.audit = nil
		return tx.InsertAuditRows(ctx, audit)
	})
	return errs, commitErr
}
