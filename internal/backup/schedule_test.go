package backup_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/blob/blobtest"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// TestScheduledBackups: ward serve --backup-to runs backups on its leader
// every --backup-every, keeps the newest --backup-keep, and records each
// run (backups last run, and backup.created in the audit trail).
func TestScheduledBackups(t *testing.T) {
	s := seed(t, "")
	cfg := s.cfg
	cfg.BackupTo = t.TempDir()
	scheduledBackups(t, s, cfg, &backup.Folder{Dir: cfg.BackupTo})
}

// TestScheduledBackupsToS3: ward serve --backup-to s3://bucket/prefix
// (over real HTTP, gofakes3 on loopback) keeps the newest --backup-keep in
// the bucket.
func TestScheduledBackupsToS3(t *testing.T) {
	srv := blobtest.StartS3(t, "ward-backups")
	s := seed(t, "")
	cfg := s.cfg
	cfg.BackupTo, cfg.Getenv = "s3://ward-backups/scheduled", srv.Getenv
	scheduledBackups(t, s, cfg, &backup.S3Dest{S3: srv.Store(t, "scheduled")})
}

func scheduledBackups(t *testing.T, s *seeded, cfg server.Config, dest backup.Destination) {
	t.Helper()
	ctx := context.Background()
	cfg.BackupEvery = 30 * time.Millisecond
	cfg.BackupCheck = 10 * time.Millisecond
	cfg.BackupKeep = 2
	cfg.BackupKey = testKey
	serve(t, cfg)
	deadline := time.Now().Add(20 * time.Second)
	var runs int
	for {
		env, err := server.Open(ctx, s.cfg)
		if err != nil {
			t.Fatal(err)
		}
		last, lastOK, err := backup.LastRun(ctx, env.Store)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = env.Store.Read(ctx, func(tx *store.Tx) error {
			return tx.AuditRows(ctx, store.AuditQuery{Action: string(audit.BackupCreated)}, func(r *store.AuditRow) error {
				if r.Outcome == string(audit.Success) && r.ResourceType == "backup" && r.OrgID == "" {
					n++
				}
				return nil
			})
		})
		env.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last.Outcome == "failure" {
			t.Fatalf("a scheduled backup failed: %s", last.Error)
		}
		runs = n
		if runs >= 3 && !lastOK.At.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d scheduled backups recorded in 20s, want 3", runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	names, err := dest.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > cfg.BackupKeep+1 { // one more may be being written as we look
		t.Fatalf("%d backups kept after %d runs, want %d", len(names), runs, cfg.BackupKeep)
	}
}

// TestScheduledBackupFailure: a destination that stops working is logged
// (without the passphrase) and recorded as a failed run.
func TestScheduledBackupFailure(t *testing.T) {
	ctx := context.Background()
	s := seed(t, "")
	cfg := s.cfg
	cfg.BackupTo = filepath.Join(t.TempDir(), "backups")
	cfg.BackupEvery = time.Hour
	cfg.BackupCheck = 10 * time.Millisecond
	cfg.BackupKey = testKey
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	if err := os.WriteFile(cfg.BackupTo, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := server.Run(ctx, cfg); err == nil || !strings.Contains(err.Error(), "backup folder") {
		t.Fatalf("serve with a backup folder that is a file: %v", err)
	}
	os.Remove(cfg.BackupTo)
	serve(t, cfg)
	// The folder goes away under the running server: the next backup fails.
	os.RemoveAll(cfg.BackupTo)
	os.WriteFile(cfg.BackupTo, []byte("not a folder"), 0o600)
	env, err := server.Open(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		last, _, err := backup.LastRun(ctx, env.Store)
		if err != nil {
			t.Fatal(err)
		}
		if last.Outcome == "failure" {
			if last.Error == "" {
				t.Fatal("a failed run records no error")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed run recorded in 20s (last: %+v)", last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !strings.Contains(logs.String(), "backup failed") {
		if time.Now().After(deadline) {
			t.Fatal("the failure is not logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(logs.String(), testKey.Passphrase) {
		t.Fatal("the log holds the backup passphrase")
	}
}
