package server

import (
	"github.com/wardhealth/ward/internal/backup"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/wardhealth/ward/internal/app"
)

// Config is everything ward serve needs. cmd/ward fills it from flags and
// WARD_* environment variables; tests fill it directly.
type Config struct {
	DataDir string // holds the SQLite database, the TLS certificate and keys
	Addr    string // host:port to listen on
	DBURL   string // empty: SQLite in DataDir; postgres://… : PostgreSQL
	// Blobs is where attachments' sealed content is kept: empty for the
	// folder DataDir/blobs; s3://bucket/prefix for an S3-compatible bucket
	// (what several nodes share), whose endpoint, region and credentials
	// come from Getenv (blob.ParseS3, docs/deploy.md).
	Blobs string
	// Getenv reads the environment for Blobs; nil: os.Getenv.
	Getenv func(string) string
	// ShredKeys is the shred key file (docs/keyring.md): "" is
	// DataDir/shred.keys on SQLite and none on PostgreSQL, whose nodes must
	// all name one shared file; "off" is none.
	ShredKeys string
	// Scheduled backups (internal/backup, docs/operations.md): BackupTo is
	// the folder or s3://bucket/prefix they go to ("" none; a bucket's
	// endpoint and keys come from Getenv, as for Blobs), every BackupEvery (default 6h), the
	// newest BackupKeep kept (0: all), encrypted with BackupKey, written at
	// most BackupMaxRate bytes a second (0: no limit).
	// BackupCheck is how often the leader looks whether one is due (0: a
	// minute; tests shorten it).
	BackupTo    string
	BackupEvery time.Duration
	BackupKeep  int
	BackupKey   backup.Key
	// BackupMaxRate: see BackupTo.
	BackupMaxRate int64
	BackupCheck   time.Duration
	// NATSURL (nats://host:4222) carries live events between the nodes of a
	// cluster; empty: events stay in this process (one node).
	NATSURL string
	// PublicURL is the URL people reach ward at (https://ward.example.org);
	// passkeys are bound to its host. Empty: https://localhost:PORT.
	PublicURL string

	TLSCert string // PEM certificate file; empty: a self-signed one in DataDir/tls
	TLSKey  string // PEM key file, with TLSCert
	// InsecureBehindTLSProxy serves plain HTTP, for a TLS-terminating proxy
	// in front. ward warns loudly when it is set.
	InsecureBehindTLSProxy bool
	// TrustedProxies are the peers (proxies, load balancers) whose
	// X-Forwarded-For names the client: the rightmost address in it that is
	// not itself a trusted proxy. Empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// MetricsAddr (host:port) serves Prometheus metrics at /metrics over
	// plain HTTP, apart from the API; empty: no metrics listener.
	MetricsAddr string
	// MaxConnsPerAddress caps the connections one address may hold open;
	// loopback and trusted proxies are exempt. 0: DefaultMaxConnsPerAddress;
	// negative: no cap.
	MaxConnsPerAddress int

	// SMTP is the outgoing mail server (notify/mail.ParseURL):
	// smtp://user:pass@host:587?from=ward@clinic.example (STARTTLS required),
	// smtps://…:465 (implicit TLS), smtp+insecure:// (loopback only).
	// Checked at start; nothing is sent at start. Empty: no outgoing mail.
	SMTP string

	// PushContact is the VAPID contact push services may write to about
	// this server (mailto:it@clinic.example or an https URL); empty: the
	// public URL. PushHosts are the push services ward sends to (a host,
	// or ".suffix"); nil: push.DefaultHosts (FCM, Mozilla, Apple, WNS).
	// PushClient sends the push requests; nil: push's own (tests: one
	// that trusts the test push service).
	PushContact string
	PushHosts   []string
	PushClient  *http.Client

	// AuditCheckpointSink gets a copy of every signed audit checkpoint:
	// "file:/path" appends JSON lines, "exec:/path/cmd" runs a command with
	// the checkpoint on stdin. Empty: checkpoints stay in the database.
	AuditCheckpointSink string
	// SealEvery is how often the audit chain is sealed and checkpointed.
	SealEvery time.Duration
	// JobsEvery is how often the urgent-message timers and on-call page
	// chains run; a node not leading checks every JobsEvery too when that is
	// under 5 s. 0: 15 s. Tests shorten it.
	JobsEvery time.Duration
	// Command marks the Env of a ward command (ward backup, ward audit …)
	// rather than of ward serve: on SQLite its store leaves WAL checkpoints
	// to the server it may run beside (store.Options.LeaveCheckpoints).
	Command bool
	// NodeID names this node in its logs and start banner (--node-id);
	// empty: the host name and a random suffix (cluster.NodeID).
	NodeID string
	// MonitorEvery is how often activity monitoring reads the new audit
	// events (0: DefaultMonitorEvery; tests set it short).
	MonitorEvery time.Duration
	// SendRate is how many messages a second one clinician or staff member
	// may send, sustained (bursts of twice as many): 0 is the default
	// (app.DefaultStaffSendLimit), negative sets no limit. Patients keep
	// app.DefaultPatientSendLimit.
	SendRate float64

	Logger *slog.Logger     // structured logs; nil: JSON to Stderr
	Stdout io.Writer        // the human-readable start banner; nil: discarded
	Now    func() time.Time // the clock; nil: time.Now

	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration
	// Started, when set, is called with the listening address once ward serves.
	Started func(addr string)
	// MetricsStarted, when set, is called with the metrics listener's
	// address before Started.
	MetricsStarted func(addr string)
}

// Defaults for the flags.
// DefaultSendRate is `ward serve --send-rate`'s default: the app's.
var DefaultSendRate = app.DefaultStaffSendLimit.Rate

const (
	DefaultDataDir = "./ward-data"
	DefaultAddr    = "127.0.0.1:8443"
)
