package backup_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
)

const (
	ownerPW = "backup owner passphrase long"
	nursePW = "backup nurse passphrase long"
)

// testKey is a fast passphrase key (a low scrypt work factor).
var testKey = backup.Key{Passphrase: "backup test passphrase", WorkFactor: 10}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// seeded is a data dir (and database) with one org: its owner, a nurse
// (staff) and a clinician, made through the app before anything serves.
type seeded struct {
	cfg       server.Config
	orgID     string
	clinician *access.Principal
	nurseID   string
}

func seed(t testing.TB, dbURL string) *seeded {
	t.Helper()
	ctx := context.Background()
	cfg := server.Config{DataDir: t.TempDir(), DBURL: dbURL, Logger: quiet()}
	if dbURL != "" {
		cfg.ShredKeys = filepath.Join(cfg.DataDir, keyring.ShredKeyFileName)
	}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Backup Clinic", AdminEmail: "owner@backup.test", Password: ownerPW})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := env.App.SystemPrincipal(ctx, org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	nurse, err := env.App.CreateUser(ctx, sys, app.NewUser{Email: "nurse@backup.test", Name: "Nina Nurse", Role: ward.RoleStaff, Password: nursePW})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := env.App.CreateUser(ctx, sys, app.NewUser{Email: "doc@backup.test", Name: "Dan Doctor", Role: ward.RoleClinician, Password: nursePW})
	if err != nil {
		t.Fatal(err)
	}
	return &seeded{cfg: cfg, orgID: org.ID, clinician: &access.Principal{User: doc}, nurseID: nurse.ID}
}

// runBackup writes a backup of cfg's ward into a new folder, through an
// Env of its own (as 'ward backup' does, beside a running server).
func runBackup(t *testing.T, cfg server.Config) backup.Result {
	t.Helper()
	ctx := context.Background()
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	dest, err := backup.NewFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := backup.NewBlobDir(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := env.Keyring.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := &backup.Job{Store: env.Store, Blobs: blobs, Dest: dest, Key: testKey, Signer: signer, Actor: audit.Actor{Role: "cli"}}
	res, err := j.Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// restoreInto restores file into a new data dir that holds the live key
// files of live (the master key and the shred key file, never in a
// backup), and returns its config.
func restoreInto(t *testing.T, file string, live server.Config, dbURL string) server.Config {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{keyring.KeyFileName, keyring.ShredKeyFileName} {
		b, err := os.ReadFile(filepath.Join(live.DataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := backup.Restore(context.Background(), f, backup.RestoreOptions{Identities: identities(t), DataDir: dir, DBURL: dbURL}); err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{DataDir: dir, DBURL: dbURL, Logger: quiet()}
	if dbURL != "" {
		cfg.ShredKeys = filepath.Join(dir, keyring.ShredKeyFileName)
	}
	return cfg
}

func identities(t *testing.T) []age.Identity {
	t.Helper()
	ids, err := testKey.Identities()
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// verifyAudit runs ward audit verify's check on cfg's database.
func verifyAudit(t *testing.T, cfg server.Config) audit.Report {
	t.Helper()
	ctx := context.Background()
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	key, err := env.Keyring.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mac, err := env.Keyring.AuditMACKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyWith(ctx, env.Store, audit.VerifyOptions{MaxSkew: audit.DefaultMaxSkew, UnanchoredGrace: audit.DefaultUnanchoredGrace,
		Trusted: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}, MACKey: mac})
	if rep.Problem != nil || err != nil {
		t.Fatalf("audit verify of the restored database: %v, %v", rep.Problem, err)
	}
	return rep
}

// serve runs ward with cfg until the test ends; it returns its base URL.
func serve(t *testing.T, cfg server.Config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	cfg.Addr = "127.0.0.1:0"
	cfg.Stdout = &syncBuffer{}
	cfg.Started = func(a string) { addrc <- a }
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return "https://" + addr
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
