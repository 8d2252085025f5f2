package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/liveaudit"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/receipts"
	"github.com/wardhealth/ward/internal/retention"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/ttlcache"
)

// Config is what an App is built from. Store, Keyring and Audit are required.
type Config struct {
	Store   *store.Store
	Keyring *keyring.Keyring
	Audit   *audit.Recorder // durable audit of reads (group commit)
	Broker  realtime.Broker // where events go after commit; nil: an in-process broker
	Logger  *slog.Logger
	Now     func() time.Time // nil means time.Now
	// Hasher hashes passwords; nil means argon2id with auth.DefaultParams,
	// at most two at a time.
	Hasher *auth.Hasher
	// AccountThrottle and AddressThrottle slow down repeated failed sign-ins;
	// nil means auth.AccountThrottle() and auth.AddressThrottle().
	AccountThrottle, AddressThrottle *auth.Throttle
	// WebAuthn is the relying party passkeys are bound to; the zero value
	// is localhost (https://localhost), for tests and local use.
	WebAuthn passkeys.Config
	// Blobs keeps the sealed content of attachments; nil: attachments are
	// unavailable.
	Blobs blob.Store
	// MaxAttachmentSize is the most bytes an attachment may have; 0 means
	// ward.MaxAttachmentSize.
	MaxAttachmentSize int64
	// StaffSendLimit and PatientSendLimit bound how fast one user sends
	// (sendlimit.go); the zero value is DefaultStaffSendLimit and
	// DefaultPatientSendLimit.
	StaffSendLimit, PatientSendLimit SendLimit
	// Patients tells whether an id names a patient record (internal/patients);
	// nil: a conversation's patient_id may name only a patient user.
	Patients PatientRecords
}

// PatientRecords is what the app asks of the patient records
// (internal/patients), which build on app's pieces and do not import it.
type PatientRecords interface {
	// ActiveRecord reports, in tx, whether id names an active patient
	// record of the org. It reads no PHI.
	ActiveRecord(ctx context.Context, tx *store.Tx, orgID, id string) (bool, error)
}

// App is ward's use cases over one store.
type App struct {
	store   *store.Store
	keys    *keyring.Keyring
	audit   *audit.Recorder
	broker  realtime.Broker
	log     *slog.Logger
	now     func() time.Time
	hasher  *auth.Hasher
	account *auth.Throttle
	address *auth.Throttle
	cache   *sessionCache                        // sessions by token hash (sessioncache.go)
	members *ttlcache.Cache[memberKey, struct{}] // membercache.go
	touches *touches                             // session activity not yet written (touches.go)
	denials denialLimiter                        // audited refusals per user (denials.go)
	// deliveries writes the sockets' delivery records (internal/liveaudit).
	deliveries *liveaudit.Flusher
	sends      *sendLimiter // sends per user (sendlimit.go)

	signingIn auth.InFlight    // sign-ins under way per source address
	refusals  *auth.RefusalLog // sign-in attempts the throttles refused, folded (throttling.go)
	emailKey  emailKey         // names unknown emails in the audit trail (throttling.go)
	indexKey  []byte           // the blind index of patients' emails (useridentity.go)
	passkeys  *passkeys.Service
	blobs     blob.Store
	patients  PatientRecords
	// patientHook is told of patients' messages (services.go).
	patientHook PatientMessageHook
	// attachments are the files sent with messages (internal/attachments).
	attachments *attachments.Service
	receipts    *receipts.Service  // internal/receipts
	retention   *retention.Service // the retention job (internal/retention)
}

// New builds an App.
func New(cfg Config) (*App, error) {
	a := &App{store: cfg.Store, keys: cfg.Keyring, audit: cfg.Audit, broker: cfg.Broker, log: cfg.Logger, now: cfg.Now,
		hasher: cfg.Hasher, account: cfg.AccountThrottle, address: cfg.AddressThrottle, cache: newSessionCache(),
		members: newMemberCache(), touches: newTouches(), sends: newSendLimiter(cfg.StaffSendLimit, cfg.PatientSendLimit),
		blobs: cfg.Blobs, patients: cfg.Patients}
	if a.now == nil {
		a.now = time.Now
	}
	if a.broker == nil {
		a.broker = realtime.NewLocalBroker()
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.deliveries = liveaudit.New(a.audit, a.log)
	a.attachments = attachments.New(attachments.Config{Store: a.store, Keys: a.keys, Audit: a.audit, Blobs: a.blobs,
		MaxSize: cfg.MaxAttachmentSize, Logger: a.log, Conversations: memberCheck{}})
	a.receipts = receipts.New(a.store, a.now, receiptCore{a: a})
	a.retention = retention.New(a.store, a.keys, retentionCore{a})
	if a.hasher == nil {
		h, err := auth.NewHasher(auth.DefaultParams(), 2)
		if err != nil {
			return nil, err
		}
		a.hasher = h
	}
	var err error
	if a.passkeys, err = passkeys.New(a.store, cfg.WebAuthn, passkeyCore{a}); err != nil {
		return nil, err
	}
	if a.account == nil {
		c := auth.AccountThrottle()
		c.Now = a.now
		a.account = auth.NewThrottle(c)
	}
	if a.address == nil {
		c := auth.AddressThrottle()
		c.Now = a.now
		a.address = auth.NewThrottle(c)
	}
	a.refusals = auth.NewRefusalLog(throttleEventWindow, 100_000, a.now)
	// The key that names unknown emails in the audit is made now, not at
	// the first failed sign-in: a refused request changes no stored state.
	if a.keys != nil {
		if a.emailKey.key, err = a.keys.LoginEmailKey(context.Background()); err != nil {
			return nil, err
		}
		if a.indexKey, err = a.keys.PatientEmailIndexKey(context.Background()); err != nil {
			return nil, err
		}
	}
	// Access changes on any node (changeAccess) clear this node's session
	// cache at once, so another node's revocation is not served from here
	// until the cache would see it by itself (up to 5 s). A role change on
	// any node (AccessRevoked) also clears this node's member cache: it
	// ended memberships this node may have learned. Rare, so all of it.
	a.broker.Subscribe(func(ev realtime.Event) {
		switch ev.Type {
		case realtime.AccessChanged:
			a.cache.forget()
		case realtime.AccessRevoked:
			a.members.Forget()
		}
	})
	return a, nil
}

// Ready reports whether ward can serve: the database answers, and so does
// the blob store (an S3 bucket can be unreachable while the node runs).
func (a *App) Ready(ctx context.Context) error {
	if err := a.store.Ping(ctx); err != nil {
		return ward.Wrap(ward.CodeUnavailable, err, "database is not answering")
	}
	if a.blobs != nil {
		return a.blobs.Ready(ctx)
	}
	return nil
}

// newID returns a new time-ordered id (UUIDv7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Broker is where the app publishes events; the WebSocket hub subscribes.
func (a *App) Broker() realtime.Broker { return a.broker }

// publish sends ev after a commit. A failed publish loses only the live
// push: clients catch up from the store by sequence number.
func (a *App) publish(ctx context.Context, ev realtime.Event) {
	if err := a.broker.Publish(ctx, ev); err != nil {
		a.log.WarnContext(ctx, "publish failed", "type", ev.Type, "err", err.Error())
	}
}
