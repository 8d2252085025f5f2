package keyring

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wardhealth/ward"
)

// KeyFileName is the master key file inside the data dir.
const KeyFileName = "master.key"

// FileKeys is the key-file Provider: DATA/master.key holds one or more
// master key versions, one a line ("mk-<id> <base64 key>"), the last being
// current. The file must be readable by its owner only (mode 0600 or
// stricter); a looser mode is refused.
type FileKeys struct {
	path string
	localKeys
}

var _ MasterKeyAdder = (*FileKeys)(nil)

const keyFileHeader = `# ward master keys. Keep this file secret, owner-only (0600), and backed up
# apart from the database: without it the data cannot be decrypted.
# One key a line; the last line is the current key. Never remove a line
# that 'ward keys status' still shows in use.
`

// FileProvider loads the master key file in dataDir, creating it with one
// new random key (mode 0600) when it does not exist.
func FileProvider(dataDir string) (*FileKeys, error) {
	return openKeyFile(dataDir, true)
}

// OpenFileProvider loads the master key file in dataDir, which must exist
// (for administrative commands, which never create keys).
func OpenFileProvider(dataDir string) (*FileKeys, error) {
	return openKeyFile(dataDir, false)
}

func openKeyFile(dataDir string, create bool) (*FileKeys, error) {
	f := &FileKeys{path: filepath.Join(dataDir, KeyFileName)}
	err := f.load()
	if errors.Is(err, fs.ErrNotExist) && create {
		err = f.create()
		if errors.Is(err, fs.ErrExist) { // another process made it first
			err = f.load()
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ward.Errorf(ward.CodeInvalid, "master key file %s does not exist (ward serve creates it; or set WARD_MASTER_KEY)", f.path)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Path is the key file's path.
func (f *FileKeys) Path() string { return f.path }

// KeyIDs lists the master key versions in the file, oldest first.
func (f *FileKeys) KeyIDs() []string { return f.ids() }

// Unwrap implements Provider. An unknown key id makes it re-read the file
// once: another process (ward keys rotate --master) may have added a key.
func (f *FileKeys) Unwrap(_ context.Context, keyID string, wrapped, ad []byte) ([]byte, error) {
	return f.unwrap(keyID, wrapped, ad, f.load)
}

// AddMasterKey implements MasterKeyAdder: it appends a new random master key
// to the file (atomically: a new file renamed over the old one) and makes it
// current. A lock file serialises processes adding keys at once.
func (f *FileKeys) AddMasterKey(context.Context) (string, error) {
	unlock, err := lockFile(f.path + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := f.load(); err != nil { // another process may have added one
		return "", err
	}
	raw, err := randomKey(MasterKeySize)
	if err != nil {
		return "", err
	}
	body, err := os.ReadFile(f.path)
	if err != nil {
		return "", fmt.Errorf("read master key file: %w", err)
	}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		body = append(body, '\n')
	}
	body = append(body, keyLine(raw)...)
	if err := writeFileAtomic(f.path, body); err != nil {
		return "", err
	}
	if err := f.load(); err != nil {
		return "", err
	}
	return MasterKeyID(raw), nil
}

func keyLine(raw []byte) string {
	return MasterKeyID(raw) + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
}

func (f *FileKeys) create() error {
	raw, err := randomKey(MasterKeySize)
	if err != nil {
		return err
	}
	fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = fh.WriteString(keyFileHeader + keyLine(raw))
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.path)
		return fmt.Errorf("write master key file: %w", err)
	}
	syncDir(filepath.Dir(f.path))
	return f.load()
}

// load reads the file after checking its mode.
func (f *FileKeys) load() error {
	fi, err := os.Stat(f.path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return ward.Errorf(ward.CodeInvalid, "master key file %s is not a regular file", f.path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return ward.Errorf(ward.CodeInvalid,
			"master key file %s has mode %04o: it must be readable by its owner only; run: chmod 600 %s", f.path, perm, f.path)
	}
	body, err := os.ReadFile(f.path)
	if err != nil {
		return fmt.Errorf("read master key file: %w", err)
	}
	keys, err := parseKeyFile(body)
	if err != nil {
		return ward.Wrap(ward.CodeInvalid, err, "master key file "+f.path+" is not valid")
	}
	f.set(keys)
	return nil
}

// parseKeyFile reads "[id] base64" lines, skipping blanks and # comments.
func parseKeyFile(body []byte) ([]masterKey, error) {
	var keys []masterKey
	sc := bufio.NewScanner(bytes.NewReader(body))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		var id, b64 string
		switch len(fields) {
		case 1:
			b64 = fields[0]
		case 2:
			id, b64 = fields[0], fields[1]
		default:
			return nil, fmt.Errorf("line %d: want \"<id> <base64 key>\"", n)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("line %d: key is not base64", n)
		}
		k, err := newMasterKey(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if id != "" && id != k.id {
			return nil, fmt.Errorf("line %d: key id %s does not match its key (%s)", n, id, k.id)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("it holds no key")
	}
	return keys, nil
}

// writeFileAtomic replaces path with body (mode 0600) through a temporary
// file in the same folder, synced before and after the rename.
func writeFileAtomic(path string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(body)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write master key file: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
