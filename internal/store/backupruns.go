package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

// BackupRun is one backup attempt (migration 0042).
type BackupRun struct {
	At       time.Time
	Outcome  string // "success" or "failure"
	Location string // the backup's path or URL (success)
	Bytes    int64  // what it held: database and blob bytes
	Blobs    int64
	Elapsed  time.Duration
	Error    string // ward's message, no secrets (failure)
}

// keepBackupRuns bounds the table: older rows are deleted as new ones come.
const keepBackupRuns = 1000

// RecordBackupRun stores a backup attempt.
func (s *Store) RecordBackupRun(ctx context.Context, r BackupRun) error {
	return s.Write(ctx, func(tx *Tx) error {
		if r.At.IsZero() {
			r.At = tx.Now
		}
		if _, err := tx.exec(ctx, "INSERT INTO backup_runs (at, outcome, location, bytes, blobs, elapsed_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			micros(r.At), r.Outcome, r.Location, r.Bytes, r.Blobs, r.Elapsed.Milliseconds(), r.Error); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM backup_runs WHERE at < (SELECT MIN(at) FROM
			(SELECT at FROM backup_runs ORDER BY at DESC LIMIT $1) newest)`, keepBackupRuns)
		return err
	})
}

// LastBackupRun returns the newest backup attempt with outcome ("" for
// any); none is CodeNotFound.
func (s *Store) LastBackupRun(ctx context.Context, outcome string) (BackupRun, error) {
	var r BackupRun
	err := s.Read(ctx, func(tx *Tx) error {
		var at, ms int64
		err := tx.queryRow(ctx, `SELECT at, outcome, location, bytes, blobs, elapsed_ms, error FROM backup_runs
			WHERE $1 = '' OR outcome = $1 ORDER BY at DESC LIMIT 1`, outcome).
			Scan(&at, &r.Outcome, &r.Location, &r.Bytes, &r.Blobs, &ms, &r.Error)
		if err != nil {
			return tx.d.wrap(err)
		}
		r.At, r.Elapsed = fromMicros(at), time.Duration(ms)*time.Millisecond
		return nil
	})
	if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
		return BackupRun{}, err
	}
	return r, err
}
