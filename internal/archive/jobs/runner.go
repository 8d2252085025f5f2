package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// MRNs finds patient records by MRN (internal/patients), through the
// blind index: the MRN is never stored.
type MRNs interface {
	IDsByMRN(ctx context.Context, orgID, mrn string) ([]string, error)
}

// Config is what a Runner is built from; Patients, Logger, Now and Hold
// may be nil.
type Config struct {
	Store    *store.Store
	Keyring  *keyring.Keyring
	Blobs    blob.Store // the attachments' sealed content
	Dir      string     // where finished archives are kept (made 0700)
	Patients MRNs       // nil: a selection by MRN is refused
	Logger   *slog.Logger
	Now      func() time.Time
	// Hold, when set, is called as each run begins, before anything is
	// written: tests hold a job in flight with it. An error ends the run as
	// a shutdown does (the job stays to be resumed).
	Hold func(ctx context.Context, jobID string) error
}

// Runner runs archive export jobs, one at a time.
type Runner struct {
	cfg  Config
	exp  *archive.Exporter
	ctx  context.Context // ends at Close
	stop context.CancelFunc
	wg   sync.WaitGroup
	slot chan struct{} // one export at a time

	mu   sync.Mutex
	live map[string]*liveRun // the runs under way, by job id
}

// liveRun is a run under way: its progress in memory (the row holds it to
// the permille, written at most every progressEvery).
type liveRun struct {
	cancel  context.CancelFunc
	started time.Time // wall clock, for the ETA
	prog    archive.Progress
	saved   time.Time
}

// progressEvery bounds how often a run writes its progress to the store.
const progressEvery = time.Second

// New builds a Runner; Resume starts the jobs a previous process left.
func New(cfg Config) *Runner {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Runner{cfg: cfg, ctx: ctx, stop: stop, slot: make(chan struct{}, 1), live: map[string]*liveRun{},
		exp: &archive.Exporter{Store: cfg.Store, Keys: cfg.Keyring, Blobs: cfg.Blobs, Now: cfg.Now}}
}

// Close stops the runs under way, leaving their jobs running in the store
// for the next start to run again, and waits for them.
func (r *Runner) Close() {
	r.stop()
	r.wg.Wait()
}

// Resume runs again, from the start, every job queued or running in the
// store: those a stopped or crashed process did not finish.
func (r *Runner) Resume(ctx context.Context) error {
	var rows []store.ArchiveJobRow
	err := r.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.UnfinishedArchiveJobs(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, row := range rows {
		r.cfg.Logger.Info("archive export resumed from the start", "job", row.ID, "attempts", row.Attempts)
		r.launch(row.ID, row.OrgID)
	}
	return nil
}

// path is where job id's finished archive is kept, tmpPath where it is
// written until it is complete.
func (r *Runner) path(id string) string    { return filepath.Join(r.cfg.Dir, id+".age") }
func (r *Runner) tmpPath(id string) string { return filepath.Join(r.cfg.Dir, "."+id+".partial") }

// keyRef is where a job's sealed key lives: the org's compliance data key.
func keyRef(orgID, jobID string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "compliance:" + orgID, Record: jobID, Field: "archive_key"}
}

// sealedKey is a job's key as sealed.
type sealedKey struct {
	Recipient  string `json:"recipient,omitempty"`
	Passphrase string `json:"passphrase,omitempty"`
}

func (r *Runner) openKey(ctx context.Context, row store.ArchiveJobRow) (archive.Key, error) {
	pt, err := r.cfg.Keyring.Open(ctx, keyRef(row.OrgID, row.ID), row.KeySealed)
	if err != nil {
		return archive.Key{}, err
	}
	defer clear(pt)
	var k sealedKey
	if err := json.Unmarshal(pt, &k); err != nil {
		return archive.Key{}, err
	}
	return archive.Key{Recipient: k.Recipient, Passphrase: k.Passphrase}, nil
}

// removeFile removes path; a missing file is fine.
func removeFile(path string) { _ = os.Remove(path) }
