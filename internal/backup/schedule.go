package backup

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// Job runs backups and records them: each run is an audit event
// (backup.created, with its counts or what went wrong) and a backup_runs
// row, which LastRun reads for the conformance report.
type Job struct {
	Store  *store.Store
	Blobs  Blobs
	Dest   Destination
	Key    Key
	Signer ed25519.PrivateKey
	// Keep is how many backups to keep at Dest (the newest); 0 keeps all.
	Keep int
	// Actor is who runs it, for the audit trail.
	Actor   audit.Actor
	TempDir string
	Now     func() time.Time
	// MaxRate, when above 0, holds the backup's writes to this many bytes
	// a second (Options.MaxRate).
	MaxRate int64
}

// Run writes one backup, prunes the destination to Keep, and records the
// run (a failure too). Progress may be nil.
func (j *Job) Run(ctx context.Context, progress func(done, total int64)) (Result, error) {
	res, err := Run(ctx, Options{Store: j.Store, Blobs: j.Blobs, Dest: j.Dest, Key: j.Key, Signer: j.Signer, Now: j.Now,
		Progress: progress, TempDir: j.TempDir, MaxRate: j.MaxRate})
	if err == nil && j.Keep > 0 {
		_, err = Prune(ctx, j.Dest, j.Keep)
		if err != nil {
			err = fmt.Errorf("backup written to %s, but removing older backups failed: %w", res.Where, err)
		}
	}
	rctx := context.WithoutCancel(ctx)
	if rerr := j.record(rctx, res, err); rerr != nil && err == nil {
		err = fmt.Errorf("backup written to %s, but recording it failed: %w", res.Where, rerr)
	}
	return res, err
}

func (j *Job) record(ctx context.Context, res Result, runErr error) error {
	c := res.Manifest.Counts
	run := store.BackupRun{Outcome: string(audit.Success), Location: res.Where, Bytes: c.DBBytes + c.BlobBytes,
		Blobs: int64(c.Blobs), Elapsed: res.Elapsed}
	ev := audit.Event{Actor: j.Actor, Action: audit.BackupCreated, Outcome: audit.Success, ResourceType: "backup",
		ResourceID: res.Name, Reason: fmt.Sprintf("tables %d, rows %d, database bytes %d, blobs %d, blob bytes %d, %.1fs",
			c.Tables, c.Rows, c.DBBytes, c.Blobs, c.BlobBytes, res.Elapsed.Seconds())}
	if runErr != nil {
		msg := Describe(runErr)
		run.Outcome, run.Error = string(audit.Failure), msg
		ev.Outcome, ev.Reason = audit.Failure, truncate(msg, audit.MaxReasonLen)
	}
	if err := j.Store.RecordBackupRun(ctx, run); err != nil {
		return err
	}
	return j.Store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, ev) })
}

// Describe is an error as ward says it to an operator: a ward error's
// message without the driver's wording. Backup errors hold paths and
// counts, never a passphrase or key.
func Describe(err error) string {
	var we *ward.Error
	if errors.As(err, &we) && we.Code != ward.CodeInternal {
		return we.Message
	}
	return err.Error()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// LastRun is when backups last ran: the newest attempt and the newest
// success (zero At when there is none).
func LastRun(ctx context.Context, st *store.Store) (last, lastOK store.BackupRun, err error) {
	if last, err = st.LastBackupRun(ctx, ""); err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
		return last, lastOK, err
	}
	if lastOK, err = st.LastBackupRun(ctx, string(audit.Success)); err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
		return last, lastOK, err
	}
	return last, lastOK, nil
}

// retryFailedAfter is how soon a failed scheduled backup is tried again.
const retryFailedAfter = 15 * time.Minute

// Schedule runs j every `every` while leader says this node leads, until
// ctx ends. The time of the last run is in the database, so a restart or a
// new leader keeps the rhythm; a failed run is tried again after
// retryFailedAfter (or every, if sooner). check is how often it looks.
func Schedule(ctx context.Context, j *Job, every, check time.Duration, leader func() bool, log *slog.Logger) {
	t := time.NewTicker(check)
	defer t.Stop()
	now := j.Now
	if now == nil {
		now = time.Now
	}
	for {
		if leader() && due(ctx, j.Store, every, now()) {
			res, err := j.Run(ctx, nil)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Error("backup failed", "err", Describe(err))
			} else {
				c := res.Manifest.Counts
				log.Info("backup written", "where", res.Where, "database_bytes", c.DBBytes, "blobs", c.Blobs,
					"blob_bytes", c.BlobBytes, "seconds", res.Elapsed.Seconds())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func due(ctx context.Context, st *store.Store, every time.Duration, now time.Time) bool {
	last, _, err := LastRun(ctx, st)
	if err != nil || last.At.IsZero() {
		return err == nil
	}
	wait := every
	if last.Outcome != string(audit.Success) {
		wait = min(every, retryFailedAfter)
	}
	return !now.Before(last.At.Add(wait))
}
