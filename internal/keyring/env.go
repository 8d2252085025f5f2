package keyring

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
)

// EnvVar names the environment variable of the env provider.
const EnvVar = "WARD_MASTER_KEY"

// EnvKeys is the environment-variable Provider. WARD_MASTER_KEY holds the
// base64 of a 32-byte master key. To rotate, put the new key first and the
// old ones after it, comma-separated ("new,old"), run 'ward keys rotate
// --master', then drop the old ones.
type EnvKeys struct{ localKeys }

// EnvProvider reads the master key(s) from WARD_MASTER_KEY.
func EnvProvider() (*EnvKeys, error) {
	v := os.Getenv(EnvVar)
	if strings.TrimSpace(v) == "" {
		return nil, ward.Errorf(ward.CodeInvalid, "%s is not set", EnvVar)
	}
	return ParseEnvKeys(v)
}

// ParseEnvKeys parses a WARD_MASTER_KEY value: comma-separated base64
// 32-byte keys, the current (newest) first.
func ParseEnvKeys(v string) (*EnvKeys, error) {
	var keys []masterKey
	for i, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		raw, err := base64.StdEncoding.DecodeString(part)
		if err != nil {
			raw, err = base64.RawStdEncoding.DecodeString(part)
		}
		if err != nil {
			return nil, ward.Errorf(ward.CodeInvalid, "%s: key %d is not base64", EnvVar, i+1)
		}
		k, err := newMasterKey(raw)
		if err != nil {
			return nil, ward.Wrap(ward.CodeInvalid, err, fmt.Sprintf("%s: key %d: must be the base64 of 32 random bytes (openssl rand -base64 32)", EnvVar, i+1))
		}
		keys = append(keys, k)
	}
	slices.Reverse(keys) // localKeys keeps the current key last
	e := &EnvKeys{}
	e.set(keys)
	return e, nil
}

// KeyIDs lists the master key versions, oldest first.
func (e *EnvKeys) KeyIDs() []string { return e.ids() }

// Unwrap implements Provider.
func (e *EnvKeys) Unwrap(_ context.Context, keyID string, wrapped, ad []byte) ([]byte, error) {
	return e.unwrap(keyID, wrapped, ad, nil)
}

// EnvFileVar names a file that holds what WARD_MASTER_KEY would (keys
// separated by commas or new lines, the newest first): a systemd
// credential (LoadCredential), a Docker or Kubernetes secret. It keeps the
// key out of the environment and out of the data dir.
const EnvFileVar = "WARD_MASTER_KEY_FILE"

// DefaultProvider picks the master key source: WARD_MASTER_KEY when it is
// set, else the file WARD_MASTER_KEY_FILE names, else the key file in
// dataDir, created when missing if create is true.
func DefaultProvider(dataDir string, create bool) (Provider, error) {
	if strings.TrimSpace(os.Getenv(EnvVar)) != "" {
		return EnvProvider()
	}
	if path := strings.TrimSpace(os.Getenv(EnvFileVar)); path != "" {
		return EnvFileProvider(path)
	}
	return openKeyFile(dataDir, create)
}

// EnvFileProvider reads the master key(s) from the file at path, written
// as WARD_MASTER_KEY's value (see EnvFileVar).
func EnvFileProvider(path string) (*EnvKeys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ward.Wrap(ward.CodeInvalid, err, fmt.Sprintf("%s: cannot read %s", EnvFileVar, path))
	}
	defer clear(data)
	keys := strings.FieldsFunc(string(data), func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
	if len(keys) == 0 {
		return nil, ward.Errorf(ward.CodeInvalid, "%s: %s holds no key", EnvFileVar, path)
	}
	return ParseEnvKeys(strings.Join(keys, ","))
}
