package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Job is an export job as the API shows it: ids, the selection (ids and
// dates), the state and its progress; never the key.
type Job struct {
	ID         string            `json:"id"`
	Status     string            `json:"status"` // queued | running | done | failed | cancelled
	UserID     string            `json:"user_id"`
	Selection  archive.Selection `json:"selection"`
	Encryption string            `json:"encryption"` // recipient | passphrase
	// Percent is how far the current run is (0 to 100); ETASeconds is the
	// time it should still take, from its pace so far (while running, once
	// it has one).
	Percent         float64 `json:"percent"`
	ETASeconds      *int64  `json:"eta_seconds,omitempty"`
	Messages        int64   `json:"messages"`         // planned when it started
	AttachmentBytes int64   `json:"attachment_bytes"` // planned when it started
	Attempts        int     `json:"attempts"`         // runs begun (more than one after a restart)
	// ArchiveID, Size and Counts describe the finished archive.
	ArchiveID  string          `json:"archive_id,omitempty"`
	Size       int64           `json:"size,omitempty"`
	Counts     *archive.Counts `json:"counts,omitempty"`
	Error      string          `json:"error,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
}

// view is row as a Job, with the live progress of its run when there is one.
func (r *Runner) view(row store.ArchiveJobRow) Job {
	j := Job{ID: row.ID, Status: row.Status, UserID: row.UserID, Encryption: row.KeyKind, Percent: float64(row.Permille) / 10,
		Messages: row.TotalMessages, AttachmentBytes: row.TotalBytes, Attempts: row.Attempts, ArchiveID: row.ArchiveID,
		Size: row.Size, Error: row.Error, CreatedAt: row.CreatedAt, StartedAt: row.StartedAt, FinishedAt: row.Done}
	_ = json.Unmarshal([]byte(row.Selection), &j.Selection)
	if row.Counts != "" {
		var c archive.Counts
		if json.Unmarshal([]byte(row.Counts), &c) == nil {
			j.Counts = &c
		}
	}
	if row.Status != store.JobRunning {
		return j
	}
	r.mu.Lock()
	lr := r.live[row.ID]
	var f float64
	var started time.Time
	if lr != nil {
		f, started = lr.prog.Fraction(), lr.started
		if lr.prog.TotalMessages == 0 { // no report yet
			f = 0
		}
	}
	r.mu.Unlock()
	if lr == nil {
		return j
	}
	j.Percent = math.Floor(min(f, 0.999)*1000) / 10
	if f > 0 {
		elapsed := time.Since(started)
		eta := int64(math.Ceil((elapsed.Seconds() * (1 - f) / f)))
		j.ETASeconds = &eta
	}
	return j
}

// MaxList is the most jobs List answers.
const MaxList = 100

// List is the org's newest export jobs (compliance officers).
func (r *Runner) List(ctx context.Context, p *access.Principal) ([]Job, error) {
	if err := p.Can(authz.ComplianceExport); err != nil {
		return nil, err
	}
	var rows []store.ArchiveJobRow
	err := r.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.ArchiveJobs(ctx, p.User.OrgID, MaxList)
		return err
	})
	out := make([]Job, len(rows))
	for i, row := range rows {
		out[i] = r.view(row)
	}
	return out, err
}

// Get is one export job of the org.
func (r *Runner) Get(ctx context.Context, p *access.Principal, id string) (Job, error) {
	row, err := r.row(ctx, p, id)
	if err != nil {
		return Job{}, err
	}
	return r.view(row), nil
}

func (r *Runner) row(ctx context.Context, p *access.Principal, id string) (row store.ArchiveJobRow, err error) {
	if err := p.Can(authz.ComplianceExport); err != nil {
		return row, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return row, ward.Errorf(ward.CodeNotFound, "no such export")
	}
	err = r.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.ArchiveJobByID(ctx, p.User.OrgID, id)
		return err
	})
	return row, err
}

// Cancel stops a queued or running export (CodeConflict once it ended):
// its key is forgotten, its partial file removed; audited as
// archive.export_cancelled.
func (r *Runner) Cancel(ctx context.Context, p *access.Principal, id string) (Job, error) {
	row, err := r.row(ctx, p, id)
	if err != nil {
		return Job{}, err
	}
	err = r.cfg.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CancelArchiveJob(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		e := p.Event(audit.ArchiveExportCancelled, "archive_job", id)
		e.Reason = fmt.Sprintf("cancelled while %s", row.Status)
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		row, err = tx.ArchiveJobByID(ctx, p.User.OrgID, id)
		return err
	})
	if err != nil {
		return Job{}, err
	}
	r.mu.Lock()
	if lr := r.live[id]; lr != nil {
		lr.cancel()
	}
	r.mu.Unlock()
	return r.view(row), nil
}

// Open opens a finished export's archive for download (CodeConflict
// before it is done), audited as archive.downloaded before it returns.
func (r *Runner) Open(ctx context.Context, p *access.Principal, id string) (Job, io.ReadCloser, error) {
	row, err := r.row(ctx, p, id)
	if err != nil {
		return Job{}, nil, err
	}
	if row.Status != store.JobDone {
		return Job{}, nil, ward.Errorf(ward.CodeConflict, "the export is %s, not done: there is no archive to download", row.Status)
	}
	f, err := os.Open(r.path(id))
	if os.IsNotExist(err) {
		return Job{}, nil, ward.Errorf(ward.CodeNotFound, "the archive's file is no longer on this server")
	}
	if err != nil {
		return Job{}, nil, err
	}
	e := p.Event(audit.ArchiveDownloaded, "archive_job", id)
	e.Reason = fmt.Sprintf("archive %s (%d bytes)", row.ArchiveID, row.Size)
	if err := r.cfg.Store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
		f.Close()
		return Job{}, nil, err
	}
	return r.view(row), f, nil
}
