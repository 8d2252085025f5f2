package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/server"
)

// serverFlags are the flags every command that opens a data dir shares.
func dataFlags(fs *flag.FlagSet, cfg *server.Config) {
	fs.StringVar(&cfg.DataDir, "data", server.DefaultDataDir, "folder for the SQLite database, keys and certificates")
	fs.StringVar(&cfg.DBURL, "db", "", "database: empty for SQLite in --data, or postgres://…")
	fs.StringVar(&cfg.Blobs, "blobs", "", "where attachments' sealed content is kept: empty for --data/blobs, or s3://bucket/prefix (endpoint, region and keys from WARD_S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: docs/deploy.md)")
	fs.StringVar(&cfg.ShredKeys, "shred-keys", "", "the shred key file, never backed up with the data (default: --data/shred.keys on SQLite, none on PostgreSQL: give every node one shared file); off: none")
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var cfg server.Config
	fs := newFlags("serve", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&cfg.Addr, "addr", server.DefaultAddr, "host:port to listen on")
	fs.StringVar(&cfg.NodeID, "node-id", "", "this node's name in logs and the start banner (default: the host name and a random suffix)")
	fs.StringVar(&cfg.NATSURL, "nats", "", "NATS URL (nats://host:4222) for live events across nodes; empty: one node")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the https:// URL people reach ward at; passkeys are bound to its host (default https://localhost:PORT)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate file (default: self-signed, made in --data)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key file, with --tls-cert")
	fs.StringVar(&cfg.SMTP, "smtp", "", "outgoing mail server: smtp://user:pass@host:587?from=ward@clinic.example (STARTTLS), smtps://… (implicit TLS); ?ca=FILE trusts a private CA; empty: no mail")
	fs.StringVar(&cfg.PushContact, "push-contact", "", "the VAPID contact push services may write to about this server: mailto:it@clinic.example or an https URL (default: --public-url)")
	fs.Func("push-hosts", "push services ward sends Web Push to (comma-separated hosts, .suffix for subdomains; default: FCM, Mozilla, Apple, Windows)", func(s string) error {
		for _, h := range strings.Split(s, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
				cfg.PushHosts = append(cfg.PushHosts, h)
			}
		}
		return nil
	})
	fs.StringVar(&cfg.AuditCheckpointSink, "audit-checkpoint-sink", "", "copy each signed audit checkpoint to file:/path or exec:/path/cmd")
	fs.BoolVar(&cfg.InsecureBehindTLSProxy, "insecure-behind-tls-proxy", false, "serve plain HTTP behind a TLS-terminating proxy")
	sendRate := fs.Float64("send-rate", server.DefaultSendRate, "messages a second one clinician or staff member may send, bursts of twice as many (0: no limit); patients: 1 a second, bursts of 20")
	fs.Func("trusted-proxies", "CIDRs or addresses (comma-separated) of proxies whose X-Forwarded-For names the client", func(s string) error {
		p, err := server.ParseTrustedProxies(s)
		cfg.TrustedProxies = p
		return err
	})
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "host:port to serve Prometheus /metrics on, plain HTTP, apart from the API (e.g. 127.0.0.1:9090); empty: off")
	fs.IntVar(&cfg.MaxConnsPerAddress, "max-conns-per-address", server.DefaultMaxConnsPerAddress, "open connections one address may hold (loopback and trusted proxies exempt); negative: no cap")
	fs.StringVar(&cfg.BackupTo, "backup-to", "", "folder or s3://bucket/prefix for scheduled backups, run by the leader (empty: none; docs/operations.md)")
	fs.DurationVar(&cfg.BackupEvery, "backup-every", server.DefaultBackupEvery, "how often scheduled backups run")
	fs.IntVar(&cfg.BackupKeep, "backup-keep", 28, "how many scheduled backups to keep (the newest; 0: all)")
	backupMaxRate := fs.Int64("backup-max-rate", 0, "hold scheduled backups' writes to this many MiB a second, leaving the rest of the disk and cores to messaging (0: no limit)")
	fs.StringVar(&cfg.BackupKey.Recipient, "backup-recipient", "", "encrypt scheduled backups to this age public key (age1…); otherwise to the passphrase in "+backup.PassphraseEnv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.BackupKey.Recipient == "" {
		cfg.BackupKey.Passphrase = os.Getenv(backup.PassphraseEnv)
	}
	if cfg.BackupEvery <= 0 || cfg.BackupKeep < 0 || *backupMaxRate < 0 {
		return usageError{errors.New("--backup-every must be positive, --backup-keep and --backup-max-rate 0 or more")}
	}
	cfg.BackupMaxRate = *backupMaxRate << 20
	switch {
	case *sendRate < 0:
		return usageError{errors.New("--send-rate must be 0 (no limit) or more")}
	case *sendRate == 0:
		cfg.SendRate = -1
	default:
		cfg.SendRate = *sendRate
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	cfg.Stdout = stdout
	return server.Run(ctx, cfg)
}
