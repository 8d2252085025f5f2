package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/wardhealth/ward"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/archive/jobs"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/cluster"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/holds"
	"github.com/wardhealth/ward/internal/inbox"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/notify/digest"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/outside"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/replies"
	"github.com/wardhealth/ward/internal/sso"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/teams"
)

// Env is an opened, migrated ward: the store, the keyring, the audit
// recorder and sealer, and the App over them. ward serve and the
// administrative commands (init, user, device) share it.
type Env struct {
	Store    *store.Store
	Keyring  *keyring.Keyring
	Recorder *audit.Recorder
	Sealer   *audit.Sealer
	Broker   realtime.Broker // where the app publishes events after commit
	Blobs    blob.Store      // attachments' sealed content: DATA/blobs or an S3 bucket (--blobs)

	closeBroker func() error // the NATS connection, when there is one
	App         *app.App
	Patients    *patients.Service    // patient records (internal/patients)
	Replies     *replies.Service     // saved replies and team hours (internal/replies)
	Teams       *teams.Service       // care teams (internal/teams)
	Inbox       *inbox.Service       // the team inbox (internal/inbox)
	Invitations *invitations.Service // patient invitations (internal/invitations)
	Outside     *outside.Service     // secure messages to outside addresses (internal/outside)
	Push        *push.Service        // Web Push (internal/notify/push); it sees what the app publishes
	Prefs       *prefs.Service       // notification preferences and presence (internal/notify/prefs)
	Digest      *digest.Service      // the email fallback (internal/notify/digest); nil without --smtp
	OnCall      *oncall.Service      // on-call roles and schedules (internal/oncall)
	Holds       *holds.Service       // legal holds and the retention overview (internal/holds)
	Compliance  *compliance.Service  // compliance review and break-glass (internal/compliance)
	Incidents   *incidents.Service   // breach incidents (internal/incidents)
	BAAs        *baa.Service         // the BAA registry (internal/baa)
	Exports     *jobs.Runner         // archive exports from the console, in the background (internal/archive/jobs)
	Monitor     *monitor.Monitor     // activity monitoring: rules over the audit trail, alerts (internal/monitor)
	SSO         *sso.Service         // OpenID Connect sign-in and SCIM provisioning (internal/sso)
}

// Open opens and migrates the store cfg names, creating the data dir for
// SQLite when it does not exist yet, and builds the rest of the Env.
func Open(ctx context.Context, cfg Config) (*Env, error) {
	cfg = withDefaults(cfg)
	if err := store.CheckURL(cfg.DBURL); err != nil {
		return nil, err
	}
	exists, err := checkDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if !exists {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.DBURL, DataDir: cfg.DataDir, Now: cfg.Now, LeaveCheckpoints: cfg.Command})
	if err != nil {
		return nil, err
	}
	env := &Env{Store: st}
	if err := env.build(ctx, cfg); err != nil {
		env.Close()
		return nil, err
	}
	return env, nil
}

func (e *Env) build(ctx context.Context, cfg Config) error {
	rp, err := RelyingParty(cfg)
	if err != nil {
		return err
	}
	applied, err := e.Store.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		cfg.Logger.Info("migrations applied", "count", len(applied), "last", applied[len(applied)-1])
	}
	provider, err := keyring.DefaultProvider(cfg.DataDir, true)
	if err != nil {
		return err
	}
	shred, err := OpenShredKeys(ctx, cfg, e.Store)
	if err != nil {
		return err
	}
	if e.Keyring, err = keyring.New(ctx, keyring.Config{Store: e.Store, Provider: provider, Now: cfg.Now, ShredKeys: shred}); err != nil {
		return err
	}
	if _, err := e.Keyring.FinishShreds(ctx); err != nil {
		return fmt.Errorf("shred key file: %w", err)
	}
	signing, err := e.Keyring.AuditSigningKey(ctx)
	if err != nil {
		return fmt.Errorf("audit signing key: %w", err)
	}
	macKey, err := e.Keyring.AuditMACKey(ctx)
	if err != nil {
		return err
	}
	defer clear(macKey)
	audit.MACOnInsert(e.Store, macKey) // before anything appends: every event carries a MAC
	var sink audit.Sink
	if cfg.AuditCheckpointSink != "" {
		if sink, err = audit.ParseSink(cfg.AuditCheckpointSink); err != nil {
			return err
		}
	}
	if e.Sealer, err = audit.NewSealer(e.Store, audit.SealerOptions{Key: signing, Sink: sink, MACKey: macKey}); err != nil {
		return err
	}
	// Events a ward command appended while no server ran are sealed before
	// the first inline one, so time runs forward along the chain. A refused
	// (forged) event does not stop ward: the sealer reports it every round.
	if _, err := e.Sealer.Seal(ctx); err != nil {
		cfg.Logger.Error("audit sealing failed", "err", err.Error())
	}
	audit.SealOnInsert(e.Store) // events are chained as they commit; the sealer signs checkpoints
	e.Recorder = audit.NewRecorder(e.Store, audit.RecorderOptions{})
	if cfg.NATSURL != "" {
		key, err := e.Keyring.ClusterWireKey(ctx)
		if err != nil {
			return err
		}
		nb, err := realtime.NewNATSBroker(cfg.NATSURL, "", key)
		clear(key)
		if err != nil {
			return err
		}
		e.Broker, e.closeBroker = nb, nb.Close
	} else {
		e.Broker = realtime.NewLocalBroker()
	}
	// Attachment blobs: the data dir's folder, or an S3 bucket that several nodes share.
	if e.Blobs, err = openBlobs(ctx, cfg); err != nil {
		return err
	}
	if e.Patients, err = patients.New(patients.Config{Store: e.Store, Keyring: e.Keyring, Audit: e.Recorder, Now: cfg.Now}); err != nil {
		return err
	}
	e.Replies = replies.New(replies.Config{Store: e.Store, Keyring: e.Keyring, Patients: e.Patients, Now: cfg.Now})
	// The VAPID key is made on first start, sealed by the master key (docs/push.md).
	vapid, err := e.Keyring.VAPIDKey(ctx)
	if err != nil {
		return err
	}
	e.Prefs = prefs.New(e.Store)
	gate := prefs.NewGate(e.Store)
	if e.Push, err = push.New(push.Config{Store: e.Store, Keyring: e.Keyring, Key: vapid, Subject: pushSubject(cfg),
		Hosts: cfg.PushHosts, Client: cfg.PushClient, Logger: cfg.Logger, Gate: gate}); err != nil {
		return err
	}
	// The app publishes through the push tap; the hub subscribes to the broker itself.
	acfg := app.Config{Store: e.Store, Keyring: e.Keyring, Audit: e.Recorder, Broker: push.Tap(e.Broker, e.Push), Blobs: e.Blobs,
		Logger: cfg.Logger, Now: cfg.Now, WebAuthn: rp, StaffSendLimit: staffSendLimit(cfg.SendRate), Patients: e.Patients}
	if e.Store.Dialect() == "postgres" { // several nodes may serve: the sign-in throttle counts in the database
		key, err := e.Keyring.ThrottleKey(ctx)
		if err != nil {
			return err
		}
		acfg.AccountThrottle, acfg.AddressThrottle = cluster.Throttles(e.Store, key, cfg.Now)
		clear(key)
	}
	e.App, err = app.New(acfg)
	if err != nil {
		return err
	}
	// The capabilities beside app: what only app can do they ask of it
	// through their own small interfaces (Conversations, Accounts, Hands).
	e.Teams = teams.New(e.Store)
	e.OnCall = oncall.New(oncall.Config{Store: e.Store, Now: cfg.Now, Hands: e.App})
	// The on-call schedules drive presence and the push gate (docs/notifications.md).
	e.Prefs.WithSchedule(e.OnCall)
	gate.WithSchedule(e.OnCall)
	e.Holds = holds.New(e.Store)
	e.Inbox = inbox.New(inbox.Config{Store: e.Store, Audit: e.Recorder, Conversations: e.App, AutoReplies: e.Replies, Now: cfg.Now})
	e.App.SetPatientMessageHook(e.Inbox) // after-hours auto-replies
	icfg := invitations.Config{Store: e.Store, Contacts: e.Patients, Accounts: e.App, Now: cfg.Now}
	if cfg.SMTP != "" { // invitations by email
		m, err := mail.Open(cfg.SMTP)
		if err != nil {
			return err
		}
		icfg.Mailer = m
	}
	e.Invitations = invitations.New(icfg)
	if icfg.Mailer != nil { // the email fallback for staff with no push subscription links to the app
		e.Digest = digest.New(digest.Config{Store: e.Store, Mailer: icfg.Mailer, Link: rp.RPOrigins[0] + "/",
			Patients: e.App, Logger: cfg.Logger})
	}
	// Break-glass alerts go through the push tap: officers' devices get them by push too.
	ccfg := compliance.Config{Store: e.Store, Keyring: e.Keyring, Transcripts: e.App, Broker: push.Tap(e.Broker, e.Push),
		ConsoleLink: rp.RPOrigins[0] + "/compliance", Logger: cfg.Logger, Now: cfg.Now}
	if icfg.Mailer != nil { // break-glass alerts by email too
		ccfg.Mailer = icfg.Mailer
	}
	e.Compliance = compliance.New(ccfg)
	// Breach incidents and BAAs: deadline and expiry reminders by email
	// (with --smtp) and by Web Push to compliance officers, from the
	// leader (deadlines.go).
	e.Incidents = incidents.New(incidents.Config{Store: e.Store, Keyring: e.Keyring, Contacts: e.Patients, Mailer: icfg.Mailer,
		Pusher: e.Push, ConsoleLink: rp.RPOrigins[0] + "/compliance/incidents", Logger: cfg.Logger, Now: cfg.Now})
	e.BAAs = baa.New(baa.Config{Store: e.Store, Keyring: e.Keyring, Blobs: e.Blobs, Mailer: icfg.Mailer, Pusher: e.Push,
		ConsoleLink: rp.RPOrigins[0] + "/compliance/baas", Logger: cfg.Logger, Now: cfg.Now})
	// Archive exports started from the console; their files stay in the data dir (docs/archive.md).
	e.Exports = jobs.New(jobs.Config{Store: e.Store, Keyring: e.Keyring, Blobs: e.Blobs, Dir: filepath.Join(cfg.DataDir, "archives"),
		Patients: e.Patients, Logger: cfg.Logger, Now: cfg.Now})
	mcfg := monitor.Config{Store: e.Store, Keyring: e.Keyring, Broker: e.Broker, Pusher: e.Push, ConsoleLink: rp.RPOrigins[0] + "/alerts",
		Logger: cfg.Logger, Now: cfg.Now}
	if icfg.Mailer != nil { // new alerts by email too
		mcfg.Mailer = icfg.Mailer
	}
	e.Monitor = monitor.New(mcfg)
	e.SSO = sso.New(sso.Config{Store: e.Store, Keyring: e.Keyring, Accounts: e.App, Now: cfg.Now})
	e.Outside = outside.New(outside.Config{Store: e.Store, Messaging: e.App, Mailer: icfg.Mailer, Now: cfg.Now})
	// Patients' names and emails that a database from before migration 0018
	// holds in the clear are sealed now, once (docs/operations.md).
	n, err := e.App.SealPatientIdentities(ctx)
	if n > 0 {
		cfg.Logger.Info("patient identities sealed", "count", n)
	}
	if err != nil {
		return fmt.Errorf("seal patient identities: %w", err)
	}
	return nil
}

// openBlobs opens the blob store cfg.Blobs names; a bucket must answer
// now, so a wrong endpoint, bucket or key stops ward at start with a clear
// error rather than at the first upload.
func openBlobs(ctx context.Context, cfg Config) (blob.Store, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	blobs, err := blob.Open(cfg.Blobs, cfg.DataDir, getenv)
	if err != nil || cfg.Blobs == "" {
		return blobs, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := blobs.Ready(ctx); err != nil {
		return nil, fmt.Errorf("--blobs: %w", err)
	}
	cfg.Logger.Info("attachments kept in S3", "store", fmt.Sprint(blobs))
	return blobs, nil
}

// pushSubject is the VAPID contact (RFC 8292 sub): --push-contact, else
// the public URL, else https://localhost.
func pushSubject(cfg Config) string {
	switch {
	case cfg.PushContact != "":
		return cfg.PushContact
	case strings.HasPrefix(cfg.PublicURL, "https://"):
		return cfg.PublicURL
	}
	return "https://localhost"
}

// staffSendLimit is the app's staff send limit for Config.SendRate.
func staffSendLimit(perSecond float64) app.SendLimit {
	switch {
	case perSecond == 0:
		return app.SendLimit{} // the default
	case perSecond < 0:
		return app.SendLimit{Rate: -1}
	}
	return app.SendLimit{Rate: perSecond, Burst: max(1, int(2*perSecond))}
}

// Close writes the session activity the app still holds, seals what the
// audit trail still holds, with a final checkpoint, and closes everything.
func (e *Env) Close() error {
	var errs []error
	if e.Exports != nil { // exports under way stop; the next start runs them again
		e.Exports.Close()
	}
	if e.App != nil { // session activity not yet written
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, e.App.FlushTouches(ctx))
		cancel()
	}
	if e.Compliance != nil { // break-glass alert emails under way
		e.Compliance.Wait()
	}
	if e.Monitor != nil { // monitoring alert emails under way
		e.Monitor.Wait()
	}
	if e.Push != nil { // pushes still queued go out, for a few seconds
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := e.Push.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("push: %w", err))
		}
		cancel()
	}
	if e.Recorder != nil {
		errs = append(errs, e.Recorder.Close())
	}
	if e.Sealer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := e.Sealer.Seal(ctx); err != nil {
			errs = append(errs, err)
		} else if _, _, err := e.Sealer.Checkpoint(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if e.closeBroker != nil {
		errs = append(errs, e.closeBroker())
	}
	errs = append(errs, e.Store.Close())
	return errors.Join(errs...)
}

// OpenShredKeys opens the shred key file cfg names, or returns nil when
// there is none (cfg.ShredKeys). It creates the file only for a database
// none of whose data keys needs one: a restored database without its live
// shred key file is refused rather than given a new, useless one.
func OpenShredKeys(ctx context.Context, cfg Config, st *store.Store) (*keyring.ShredKeys, error) {
	path := cfg.ShredKeys
	switch {
	case path == "off":
		return nil, nil
	case path == "" && cfg.DBURL != "":
		return nil, nil
	case path == "":
		path = filepath.Join(cfg.DataDir, keyring.ShredKeyFileName)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		var next int64
		if err := st.Read(ctx, func(tx *store.Tx) (err error) {
			next, err = tx.NextKeyLeaf(ctx)
			return err
		}); err != nil {
			return nil, err
		}
		if next > 1 {
			return nil, ward.Errorf(ward.CodeUnavailable, "the shred key file %s is missing, and the database's data keys need it: "+
				"put the live %s there (after a restore: the one beside the live master key; docs/keyring.md)", path, keyring.ShredKeyFileName)
		}
	}
	return keyring.OpenShredKeys(path, true)
}
