package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/backup"
)

// DefaultBackupEvery is how often scheduled backups run.
const DefaultBackupEvery = 6 * time.Hour

// backupJob builds the scheduled backup job of cfg; nil without BackupTo.
func backupJob(ctx context.Context, cfg Config, env *Env) (*backup.Job, error) {
	if cfg.BackupTo == "" {
		return nil, nil
	}
	if cfg.BackupKey.Recipient == "" && cfg.BackupKey.Passphrase == "" {
		return nil, errors.New("--backup-to needs --backup-recipient age1… or a passphrase in " + backup.PassphraseEnv)
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	dest, err := backup.OpenDestination(cfg.BackupTo, getenv)
	if err != nil {
		return nil, fmt.Errorf("--backup-to: %w", err)
	}
	blobs, err := backup.BlobsOf(env.Blobs)
	if err != nil {
		return nil, err
	}
	signer, err := env.Keyring.AuditSigningKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup signing key: %w", err)
	}
	return &backup.Job{Store: env.Store, Blobs: blobs, Dest: dest, Key: cfg.BackupKey, Signer: signer, Keep: cfg.BackupKeep,
		Actor: audit.Actor{Role: "system"}, Now: cfg.Now, TempDir: cfg.DataDir, MaxRate: cfg.BackupMaxRate}, nil
}

// runBackups runs the scheduled backups on the leader until ctx ends.
func runBackups(ctx context.Context, cfg Config, env *Env, j *backup.Job) {
	every := cfg.BackupEvery
	if every <= 0 {
		every = DefaultBackupEvery
	}
	check := cfg.BackupCheck
	if check <= 0 {
		check = min(time.Minute, every)
	}
	leader := func() bool {
		lead, err := env.Store.Leader(ctx)
		if err != nil && ctx.Err() == nil {
			cfg.Logger.Warn("job leader check failed", "err", err.Error())
		}
		return lead
	}
	backup.Schedule(ctx, j, every, check, leader, cfg.Logger)
}
