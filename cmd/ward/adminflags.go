package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	agelib "filippo.io/age"

	"github.com/wardhealth/ward/internal/sealedtar"
	"github.com/wardhealth/ward/internal/server"
)

// What the administrative commands that write, verify or sign files
// (archive, backup, restore, compliance report, accounting) share.

// encryptTo is how a new archive or backup is encrypted: to --recipient or
// to the passphrase in env, exactly one of them.
func encryptTo(recipient, env string) (rcpt, passphrase string, err error) {
	passphrase = os.Getenv(env)
	if recipient == "" && passphrase == "" {
		return "", "", usageError{fmt.Errorf("no key: give --recipient age1… or set %s", env)}
	}
	if recipient != "" && passphrase != "" {
		return "", "", usageError{fmt.Errorf("give --recipient or %s, not both", env)}
	}
	return recipient, passphrase, nil
}

// decryptWith is what opens an archive or a backup: the --identity file,
// otherwise the passphrase in env.
func decryptWith(identity, env string) ([]agelib.Identity, error) {
	passphrase := ""
	if identity == "" {
		passphrase = os.Getenv(env)
	}
	ids, err := sealedtar.Identities(identity, passphrase, env)
	if err != nil {
		return nil, usageError{err}
	}
	return ids, nil
}

// trustedKey is the signing key to trust: --public-key (base64), or the
// audit signing key of the ward whose data dir cfg names (--data); nil
// when neither is given (the key the file names is reported instead).
func trustedKey(ctx context.Context, pinned string, cfg server.Config) (ed25519.PublicKey, error) {
	switch {
	case pinned != "" && cfg.DataDir != "":
		return nil, usageError{errors.New("give --public-key or --data, not both")}
	case pinned != "":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(pinned))
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, usageError{errors.New("--public-key: want the base64 of a 32-byte Ed25519 key")}
		}
		return b, nil
	case cfg.DataDir != "":
		st, keys, err := openAuditStore(ctx, cfg)
		if err != nil {
			return nil, err
		}
		st.Close()
		return keys.pub, nil
	}
	return nil, nil
}

// parseWindow reads --from and --to, each optional (an empty one leaves
// *from or *to as it is), and checks that from comes before to when both
// are set.
func parseWindow(fromS, toS string, from, to *time.Time) error {
	var err error
	if fromS != "" {
		if *from, err = parseWhen("--from", fromS); err != nil {
			return err
		}
	}
	if toS != "" {
		if *to, err = parseWhen("--to", toS); err != nil {
			return err
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(*to) {
		return usageError{errors.New("--from must be before --to")}
	}
	return nil
}

// openDataEnv opens the data dir cfg names (server.DefaultDataDir when it
// names none: cfg is updated) for an administrative command.
func openDataEnv(ctx context.Context, cfg *server.Config, stderr io.Writer) (*server.Env, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = server.DefaultDataDir
	}
	return openEnv(ctx, *cfg, stderr)
}

// openOrgEnv is openDataEnv and the org --org names (pickOrg).
func openOrgEnv(ctx context.Context, cfg *server.Config, org string, stderr io.Writer) (*server.Env, string, error) {
	env, err := openDataEnv(ctx, cfg, stderr)
	if err != nil {
		return nil, "", err
	}
	orgID, err := pickOrg(ctx, env.Store, org)
	if err != nil {
		env.Close()
		return nil, "", err
	}
	return env, orgID, nil
}

// writeAtomically writes a new file path through write: to a temporary
// file beside it (0600), synced and renamed into place only when write
// succeeds and removed otherwise, so a failed write leaves nothing behind.
func writeAtomically(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ward-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	ok = true
	return nil
}

// writeFileAtomically writes b to path (0600) as writeAtomically does.
func writeFileAtomically(path string, b []byte) error {
	return writeAtomically(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
