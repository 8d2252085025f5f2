package store

import (
	"context"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
)

// Archive export jobs (migration 0038, internal/archive/jobs).

// Archive job statuses.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// ArchiveJobRow is an archive export job as stored. Selection and Counts
// are JSON (ids, dates and counts only); KeySealed is the sealed key,
// empty once the job ended.
type ArchiveJobRow struct {
	ID, OrgID, UserID, Status  string
	Selection                  string
	KeyKind                    string // recipient | passphrase
	KeySealed                  []byte
	TotalMessages, TotalBytes  int64
	Permille, Attempts         int
	ArchiveID                  string
	Size                       int64
	Counts, Error              string
	CreatedAt, StartedAt, Done time.Time // Done: when it finished; zero before
}

const archiveJobCols = `id, org_id, user_id, status, selection, key_kind, key_sealed, total_messages, total_bytes,
	permille, attempts, archive_id, size, counts, error, created_at, started_at, finished_at`

// CreateArchiveJob stores a new job, queued, created now.
func (tx *Tx) CreateArchiveJob(ctx context.Context, j *ArchiveJobRow) error {
	j.Status, j.CreatedAt = JobQueued, tx.Now
	_, err := tx.exec(ctx, `INSERT INTO archive_jobs (`+archiveJobCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, '', 0, '', '', $10, 0, 0)`,
		j.ID, j.OrgID, j.UserID, j.Status, j.Selection, j.KeyKind, j.KeySealed, j.TotalMessages, j.TotalBytes, micros(tx.Now))
	return err
}

// ArchiveJobByID reads one job of an org; CodeNotFound when there is none.
func (tx *Tx) ArchiveJobByID(ctx context.Context, orgID, id string) (ArchiveJobRow, error) {
	js, err := tx.archiveJobs(ctx, "WHERE org_id = $1 AND id = $2", orgID, id)
	if err != nil {
		return ArchiveJobRow{}, err
	}
	if len(js) == 0 {
		return ArchiveJobRow{}, ward.Errorf(ward.CodeNotFound, "no such export")
	}
	return js[0], nil
}

// ArchiveJobs lists an org's newest jobs, up to limit.
func (tx *Tx) ArchiveJobs(ctx context.Context, orgID string, limit int) ([]ArchiveJobRow, error) {
	return tx.archiveJobs(ctx, "WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT "+strconv.Itoa(max(1, limit)), orgID)
}

// UnfinishedArchiveJobs lists every org's jobs queued or running (after a
// restart: the runs the last process did not end), oldest first.
func (tx *Tx) UnfinishedArchiveJobs(ctx context.Context) ([]ArchiveJobRow, error) {
	return tx.archiveJobs(ctx, "WHERE status IN ('queued', 'running') ORDER BY created_at, id")
}

// StartArchiveJob marks a queued (or interrupted) job running from the
// start: progress 0, one more attempt. CodeNotFound when it is no longer
// queued or running (it was cancelled).
func (tx *Tx) StartArchiveJob(ctx context.Context, id string) error {
	return tx.execOne(ctx, `UPDATE archive_jobs SET status = 'running', started_at = $1, permille = 0, attempts = attempts + 1
		WHERE id = $2 AND status IN ('queued', 'running')`, micros(tx.Now), id)
}

// ArchiveJobProgress records a running job's progress (0 to 1000).
func (tx *Tx) ArchiveJobProgress(ctx context.Context, id string, permille int) error {
	_, err := tx.exec(ctx, "UPDATE archive_jobs SET permille = $1 WHERE id = $2 AND status = 'running'", permille, id)
	return err
}

// FinishArchiveJob ends a running job as done or failed, with what it
// wrote or why it failed, and forgets its key. CodeNotFound when it is not
// running any more (it was cancelled meanwhile).
func (tx *Tx) FinishArchiveJob(ctx context.Context, j *ArchiveJobRow) error {
	progress := "" // a failed job keeps how far it got
	if j.Status == JobDone {
		progress = "permille = 1000, "
	}
	return tx.execOne(ctx, `UPDATE archive_jobs SET status = $1, archive_id = $2, size = $3, counts = $4, error = $5, `+
		progress+`finished_at = $6, key_sealed = NULL WHERE id = $7 AND status = 'running'`,
		j.Status, j.ArchiveID, j.Size, j.Counts, j.Error, micros(tx.Now), j.ID)
}

// CancelArchiveJob cancels a queued or running job of an org and forgets
// its key; CodeConflict when it already ended, CodeNotFound when there is
// no such job.
func (tx *Tx) CancelArchiveJob(ctx context.Context, orgID, id string) error {
	j, err := tx.ArchiveJobByID(ctx, orgID, id)
	if err != nil {
		return err
	}
	if j.Status != JobQueued && j.Status != JobRunning {
		return ward.Errorf(ward.CodeConflict, "the export already ended (%s)", j.Status)
	}
	return tx.execOne(ctx, `UPDATE archive_jobs SET status = 'cancelled', finished_at = $1, key_sealed = NULL
		WHERE id = $2 AND status IN ('queued', 'running')`, micros(tx.Now), id)
}

func (tx *Tx) archiveJobs(ctx context.Context, where string, args ...any) ([]ArchiveJobRow, error) {
	return collect(ctx, tx, func(s scanner) (ArchiveJobRow, error) {
		var j ArchiveJobRow
		var created, started, finished int64
		err := s.Scan(&j.ID, &j.OrgID, &j.UserID, &j.Status, &j.Selection, &j.KeyKind, &j.KeySealed, &j.TotalMessages,
			&j.TotalBytes, &j.Permille, &j.Attempts, &j.ArchiveID, &j.Size, &j.Counts, &j.Error, &created, &started, &finished)
		if err != nil {
			return j, tx.d.wrap(err)
		}
		j.CreatedAt = fromMicros(created)
		if started != 0 {
			j.StartedAt = fromMicros(started)
		}
		if finished != 0 {
			j.Done = fromMicros(finished)
		}
		return j, nil
	}, "SELECT "+archiveJobCols+" FROM archive_jobs "+where, args...)
}
