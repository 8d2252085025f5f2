package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	agelib "filippo.io/age"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
)

// runBackup is 'ward backup' and 'ward backup verify FILE'
// (docs/operations.md).
func runBackup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return runBackupVerify(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "status" {
		return runBackupStatus(ctx, args[1:], stdout)
	}
	var cfg server.Config
	var to, recipient string
	fs := newFlags("backup", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&to, "to", "", "the folder or s3://bucket/prefix to write the backup into (required; a bucket's endpoint, region and keys come from the environment as for --blobs); 'ward backup verify FILE' checks one")
	fs.StringVar(&recipient, "recipient", "", "encrypt to this age public key (age1…); otherwise to the passphrase in "+backup.PassphraseEnv)
	maxRate := fs.Int64("max-rate", 0, "hold the backup's writes to this many MiB a second, leaving the rest of the disk to the server (0: as fast as it goes)")
	nice := fs.Int("nice", 19, "run at this lower CPU priority (Unix nice, 1-19; 0: unchanged), so that the server being backed up keeps the CPU it needs and the backup takes what is left")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if to == "" {
		return usageError{errors.New("--to is required")}
	}
	if *maxRate < 0 {
		return usageError{errors.New("--max-rate must be 0 or more MiB a second")}
	}
	if *nice < 0 || *nice > 19 {
		return usageError{errors.New("--nice must be 0 to 19")}
	}
	rcpt, passphrase, err := encryptTo(recipient, backup.PassphraseEnv)
	if err != nil {
		return err
	}
	key := backup.Key{Recipient: rcpt, Passphrase: passphrase}
	env, err := openDataEnv(ctx, &cfg, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	dest, err := backup.OpenDestination(to, os.Getenv)
	if err != nil {
		return err
	}
	blobs, err := backup.BlobsOf(env.Blobs)
	if err != nil {
		return err
	}
	signer, err := env.Keyring.AuditSigningKey(ctx)
	if err != nil {
		return err
	}
	defer clear(signer)
	j := &backup.Job{Store: env.Store, Blobs: blobs, Dest: dest, Key: key, Signer: signer,
		Actor: audit.Actor{Role: "cli"}, TempDir: cfg.DataDir, MaxRate: *maxRate << 20}
	if *nice > 0 {
		if err := lowerPriority(*nice); err != nil {
			return err
		}
	}
	bar := newProgressBar(stderr)
	res, err := j.Run(ctx, func(done, total int64) {
		if total > 0 {
			bar.show(float64(done)/float64(total), done)
		}
	})
	bar.done()
	if err != nil {
		return err
	}
	c := res.Manifest.Counts
	size := c.DBBytes + c.BlobBytes
	fmt.Fprintf(stderr, "backup written: database %s, %d blobs (%s), %.1fs, %.1f MiB/s; signed by %s; the master key and shred key file are not in it\n",
		sizeOf(c.DBBytes), c.Blobs, sizeOf(c.BlobBytes), res.Elapsed.Seconds(),
		float64(size)/(1<<20)/max(res.Elapsed.Seconds(), 0.001), res.Manifest.SigningKey.KeyID)
	fmt.Fprintln(stdout, res.Where)
	return nil
}

// backupBroken is verify's failure: the backup, not the command, is wrong.
type backupBroken struct{ err error }

func (e backupBroken) Error() string { return "backup NOT intact: " + e.err.Error() }
func (e backupBroken) Unwrap() error { return e.err }

// backupKeys are what opens a backup (--identity or the passphrase) and
// the signing key to trust (--public-key), if any.
func backupKeys(ctx context.Context, identity, pinned string) ([]agelib.Identity, ed25519.PublicKey, error) {
	ids, err := decryptWith(identity, backup.PassphraseEnv)
	if err != nil {
		return nil, nil, err
	}
	trusted, err := trustedKey(ctx, pinned, server.Config{})
	if err != nil {
		return nil, nil, err
	}
	return ids, trusted, nil
}

func runBackupVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var identity, pinned string
	var restoreTest bool
	fs := newFlags("backup verify FILE|s3://bucket/prefix/NAME", stdout)
	fs.StringVar(&identity, "identity", "", "an age identity file holding the key the backup was encrypted to; otherwise the passphrase in "+backup.PassphraseEnv)
	fs.StringVar(&pinned, "public-key", "", "the signing public key to trust (base64, as 'ward archive public-key' prints it); otherwise the one the manifest names is reported")
	fs.BoolVar(&restoreTest, "restore-test", false, "also restore into a temporary folder and run 'ward audit verify' on it (needs the master key: --data or WARD_MASTER_KEY)")
	fs.StringVar(&cfg.DataDir, "data", "", "with --restore-test: the data dir whose master.key and shred.keys to use")
	fs.StringVar(&cfg.DBURL, "db", "", "with --restore-test of a PostgreSQL backup: an empty scratch database (or schema) to restore into")
	file, rest := splitFile(args, map[string]bool{"identity": true, "public-key": true, "data": true, "db": true})
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{errors.New("give the backup file: ward backup verify FILE")}
	}
	ids, trusted, err := backupKeys(ctx, identity, pinned)
	if err != nil {
		return err
	}
	f, size, err := backup.OpenFile(ctx, file, os.Getenv)
	if err != nil {
		return err
	}
	defer f.Close()
	bar, progress := fileProgress(size, stderr)
	start := time.Now()
	var m backup.Manifest
	if !restoreTest {
		m, err = backup.Verify(f, ids, trusted, progress)
		bar.done()
		if err != nil {
			return brokenBackup(err)
		}
	} else {
		tmp, terr := os.MkdirTemp("", "ward-restore-test-")
		if terr != nil {
			return terr
		}
		defer os.RemoveAll(tmp)
		if err := copyKeyFiles(cfg.DataDir, tmp); err != nil {
			return err
		}
		m, err = backup.Restore(ctx, f, backup.RestoreOptions{Identities: ids, Trusted: trusted, DataDir: tmp, DBURL: cfg.DBURL, Progress: progress})
		bar.done()
		if err != nil {
			return brokenBackup(err)
		}
		vcfg := server.Config{DataDir: tmp, DBURL: cfg.DBURL}
		st, keys, err := openAuditStore(ctx, vcfg)
		if err != nil {
			return fmt.Errorf("restore test: %w", err)
		}
		rep, err := audit.VerifyWith(ctx, st, audit.VerifyOptions{MaxSkew: audit.DefaultMaxSkew, UnanchoredGrace: audit.DefaultUnanchoredGrace,
			Trusted: []ed25519.PublicKey{keys.pub}, MACKey: keys.mac})
		st.Close()
		if rep.Problem != nil {
			return backupBroken{fmt.Errorf("restored, but its audit chain fails: %w", chainBroken{rep.Problem})}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restore test OK: restored into a temporary folder; audit chain OK: seq %d..%d (%d events), %d checkpoints\n",
			rep.FirstSeq, rep.LastSeq, rep.Events, rep.Checkpoints)
	}
	c := m.Counts
	trust := "the key the manifest names: compare it with 'ward archive public-key'"
	if trusted != nil {
		trust = "the trusted key"
	}
	fmt.Fprintf(stdout, "backup intact: %d entries; %s database (%s), %d blobs (%s); made %s; needs master key %s; signature OK by %s (%s); %.1fs\n",
		len(m.Entries), m.Dialect, sizeOf(c.DBBytes), c.Blobs, sizeOf(c.BlobBytes), m.CreatedAt.Format(time.RFC3339),
		strings.Join(m.MasterKeyIDs, ", "), m.SigningKey.KeyID, trust, time.Since(start).Seconds())
	return nil
}

func brokenBackup(err error) error {
	var p *backup.Problem
	if errors.Is(err, backup.ErrWrongKey) || errors.As(err, &p) {
		return backupBroken{err}
	}
	return err
}

// fileProgress is a progress bar over reading total bytes.
func fileProgress(total int64, stderr io.Writer) (*progressBar, func(int64)) {
	var done int64
	bar := newProgressBar(stderr)
	return bar, func(n int64) {
		done += n
		if total > 0 {
			bar.show(float64(done)/float64(total), done)
		}
	}
}

// copyKeyFiles copies the master key and shred key files of dataDir (when
// there) into dst, owner-only, for a restore test.
func copyKeyFiles(dataDir, dst string) error {
	if dataDir == "" {
		return nil
	}
	for _, name := range []string{keyring.KeyFileName, keyring.ShredKeyFileName} {
		b, err := os.ReadFile(filepath.Join(dataDir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// runRestore is 'ward restore --from FILE --data EMPTY_DIR [--db URL]'.
func runRestore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var cfg server.Config
	var from, identity, pinned string
	fs := newFlags("restore", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&from, "from", "", "the backup file or s3://bucket/prefix/NAME (required)")
	fs.StringVar(&identity, "identity", "", "an age identity file holding the key the backup was encrypted to; otherwise the passphrase in "+backup.PassphraseEnv)
	fs.StringVar(&pinned, "public-key", "", "the signing public key to trust (base64); otherwise the one the manifest names is reported")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if from == "" {
		return usageError{errors.New("--from is required")}
	}
	ids, trusted, err := backupKeys(ctx, identity, pinned)
	if err != nil {
		return err
	}
	var blobs blob.Store
	if cfg.Blobs != "" {
		if !blob.IsS3URL(cfg.Blobs) {
			return usageError{errors.New("--blobs takes s3://bucket/prefix; leave it out to restore the blobs into --data/blobs")}
		}
		if blobs, err = blob.OpenS3(cfg.Blobs, os.Getenv); err != nil {
			return err
		}
	}
	f, size, err := backup.OpenFile(ctx, from, os.Getenv)
	if err != nil {
		return err
	}
	defer f.Close()
	bar, progress := fileProgress(size, stderr)
	start := time.Now()
	m, err := backup.Restore(ctx, f, backup.RestoreOptions{Identities: ids, Trusted: trusted, DataDir: cfg.DataDir, DBURL: cfg.DBURL,
		Blobs: blobs, Progress: progress})
	bar.done()
	if err != nil {
		return brokenBackup(err)
	}
	c := m.Counts
	where := cfg.DataDir
	if blobs != nil {
		where += " (blobs into " + cfg.Blobs + ")"
	}
	fmt.Fprintf(stdout, "restored the backup of %s into %s: %s database (%s), %d blobs (%s); signed by %s; %.1fs\n",
		m.CreatedAt.Format(time.RFC3339), where, m.Dialect, sizeOf(c.DBBytes), c.Blobs, sizeOf(c.BlobBytes), m.SigningKey.KeyID,
		time.Since(start).Seconds())
	fmt.Fprintf(stdout, "before 'ward serve': put the live master key (master key %s: %s, or WARD_MASTER_KEY) and the live shred key file (%s) in %s; then run 'ward audit verify'\n",
		strings.Join(m.MasterKeyIDs, ", "), keyring.KeyFileName, keyring.ShredKeyFileName, cfg.DataDir)
	return nil
}

// runBackupStatus is 'ward backup status': when backups last ran.
func runBackupStatus(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg server.Config
	fs := newFlags("backup status", stdout)
	dataFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.DataDir == "" {
		cfg.DataDir = server.DefaultDataDir
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	last, ok, err := backup.LastRun(ctx, st)
	if err != nil {
		return err
	}
	if last.At.IsZero() {
		fmt.Fprintln(stdout, "backups last run: never")
		return nil
	}
	fmt.Fprintf(stdout, "backups last run: %s (%s)\n", last.At.Format(time.RFC3339), last.Outcome)
	if last.Outcome != "success" {
		fmt.Fprintf(stdout, "  error: %s\n", last.Error)
	}
	if ok.At.IsZero() {
		fmt.Fprintln(stdout, "last successful backup: never")
	} else {
		fmt.Fprintf(stdout, "last successful backup: %s, %s, %s, %d blobs, %.1fs\n", ok.At.Format(time.RFC3339), ok.Location,
			sizeOf(ok.Bytes), ok.Blobs, ok.Elapsed.Seconds())
	}
	return nil
}
