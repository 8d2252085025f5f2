package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// launch runs job id in the background, after the runs before it.
func (r *Runner) launch(id, orgID string) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case r.slot <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		defer func() { <-r.slot }()
		r.run(id, orgID)
	}()
}

// errStopped ends a run the runner's Close (or Hold) stopped: the job stays
// running in the store, for Resume.
var errStopped = errors.New("stopped")

// run exports job id once, from the start: the row is marked running, the
// archive written to a temporary file, renamed into place when complete,
// and the row marked done. A cancel ends it with nothing left behind; a
// failure marks the job failed (audited) and leaves nothing behind.
func (r *Runner) run(id, orgID string) {
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	var row store.ArchiveJobRow
	err := r.cfg.Store.Write(ctx, func(tx *store.Tx) (err error) {
		if err = tx.StartArchiveJob(ctx, id); err != nil {
			return err
		}
		row, err = tx.ArchiveJobByID(ctx, orgID, id)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return // cancelled before it began
	}
	if err != nil {
		r.cfg.Logger.Error("archive export job not started", "job", id, "err", err.Error())
		return
	}
	lr := &liveRun{cancel: cancel, started: time.Now()}
	r.mu.Lock()
	r.live[id] = lr
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.live, id)
		r.mu.Unlock()
	}()
	m, size, err := r.export(ctx, row, lr)
	switch {
	case r.ctx.Err() != nil || errors.Is(err, errStopped):
		return // the server stops: the job stays running, for Resume
	case ctx.Err() != nil:
		return // cancelled: the row says so already, the file is gone
	case err != nil:
		r.fail(row, err)
		return
	}
	counts, _ := json.Marshal(m.Counts)
	done := store.ArchiveJobRow{ID: id, Status: store.JobDone, ArchiveID: m.ID, Size: size, Counts: string(counts)}
	fin := context.WithoutCancel(ctx) // a cancel now must meet the row, not a cancelled write
	err = r.cfg.Store.Write(fin, func(tx *store.Tx) error { return tx.FinishArchiveJob(fin, &done) })
	if err != nil { // cancelled as it finished, or the store failed: no archive without a done row
		removeFile(r.path(id))
		if ward.ErrorCode(err) != ward.CodeNotFound {
			r.cfg.Logger.Error("archive export job not recorded as done", "job", id, "err", err.Error())
		}
	}
}

// export writes row's archive to its temporary file and renames it into
// place; anything short of that removes the file.
func (r *Runner) export(ctx context.Context, row store.ArchiveJobRow, lr *liveRun) (archive.Manifest, int64, error) {
	var sel archive.Selection
	if err := json.Unmarshal([]byte(row.Selection), &sel); err != nil {
		return archive.Manifest{}, 0, err
	}
	key, err := r.openKey(ctx, row)
	if err != nil {
		return archive.Manifest{}, 0, err
	}
	if r.cfg.Hold != nil {
		if err := r.cfg.Hold(ctx, row.ID); err != nil {
			return archive.Manifest{}, 0, errStopped
		}
	}
	if err := os.MkdirAll(r.cfg.Dir, 0o700); err != nil {
		return archive.Manifest{}, 0, err
	}
	tmp := r.tmpPath(row.ID)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return archive.Manifest{}, 0, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			removeFile(tmp)
		}
	}()
	req := &archive.Request{OrgID: row.OrgID, Selection: sel, Key: key,
		Actor: audit.Actor{UserID: row.UserID, Role: string(ward.RoleCompliance)},
		Note:  "compliance console export job " + row.ID,
		Progress: func(p archive.Progress) {
			if ctx.Err() != nil {
				return
			}
			r.progress(ctx, row.ID, lr, p)
		}}
	bw := bufio.NewWriterSize(f, 1<<20)
	m, err := r.exp.Export(ctx, req, &ctxWriter{ctx: ctx, w: bw})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return archive.Manifest{}, 0, err
	}
	ok = true
	st, err := os.Stat(tmp)
	if err == nil {
		err = os.Rename(tmp, r.path(row.ID))
	}
	if err != nil {
		removeFile(tmp)
		return archive.Manifest{}, 0, err
	}
	return m, st.Size(), nil
}

// ctxWriter stops an export as soon as its context ends (a cancel or a
// shutdown), between two writes.
type ctxWriter struct {
	ctx context.Context
	w   interface{ Write([]byte) (int, error) }
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// progress keeps a run's progress in memory and in the store (at most
// every progressEvery).
func (r *Runner) progress(ctx context.Context, id string, lr *liveRun, p archive.Progress) {
	r.mu.Lock()
	lr.prog = p
	save := time.Since(lr.saved) >= progressEvery
	if save {
		lr.saved = time.Now()
	}
	r.mu.Unlock()
	if !save {
		return
	}
	permille := min(999, int(p.Fraction()*1000))
	if err := r.cfg.Store.Write(ctx, func(tx *store.Tx) error { return tx.ArchiveJobProgress(ctx, id, permille) }); err != nil && ctx.Err() == nil {
		r.cfg.Logger.Warn("archive export progress not saved", "job", id, "err", err.Error())
	}
}

// fail records that row's run failed (audited, with a reason safe to
// show: a ward error's message, else a generic one; the cause is logged).
func (r *Runner) fail(row store.ArchiveJobRow, cause error) {
	msg := "the export failed; the server log says why"
	var we *ward.Error
	if errors.As(cause, &we) {
		msg = we.Message
	}
	r.cfg.Logger.Error("archive export job failed", "job", row.ID, "err", cause.Error())
	ctx := context.Background()
	failed := store.ArchiveJobRow{ID: row.ID, Status: store.JobFailed, Error: msg}
	err := r.cfg.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.FinishArchiveJob(ctx, &failed); err != nil {
			return err
		}
		e := audit.Event{OrgID: row.OrgID, Actor: audit.Actor{UserID: row.UserID, Role: string(ward.RoleCompliance)},
			Action: audit.ArchiveExportFailed, Outcome: audit.Failure, ResourceType: "archive_job", ResourceID: row.ID,
			Reason: fmt.Sprintf("attempt %d: %s", row.Attempts, msg)}
		return audit.Append(ctx, tx, e)
	})
	if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
		r.cfg.Logger.Error("archive export job failure not recorded", "job", row.ID, "err", err.Error())
	}
}
