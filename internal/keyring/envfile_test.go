package keyring

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEnvFileProvider: WARD_MASTER_KEY_FILE (a systemd credential, a
// Docker secret) holds what WARD_MASTER_KEY would, newest key first.
func TestEnvFileProvider(t *testing.T) {
	newKey, oldKey := randomB64(t), randomB64(t)
	want, err := ParseEnvKeys(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "master-key")
	os.WriteFile(path, []byte(newKey+"\n"+oldKey+"\n"), 0o400)
	t.Setenv(EnvVar, "")
	t.Setenv(EnvFileVar, path)
	data := t.TempDir()
	p, err := DefaultProvider(data, true)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.(*EnvKeys)
	if !ok || !slices.Equal(got.KeyIDs(), want.KeyIDs()) {
		t.Fatalf("DefaultProvider with %s: %T %v, want %v", EnvFileVar, p, got, want.KeyIDs())
	}
	if _, err := os.Stat(filepath.Join(data, KeyFileName)); err == nil {
		t.Error("a key file was made in the data dir too")
	}
	t.Setenv(EnvVar, newKey) // the variable wins
	if p, err := DefaultProvider(data, true); err != nil || len(p.(*EnvKeys).KeyIDs()) != 1 {
		t.Errorf("with both set: %v", err)
	}
	t.Setenv(EnvVar, "")
	for name, body := range map[string]string{"empty": "\n", "not base64": "not-a-key\n", "short": "AAAA\n"} {
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := DefaultProvider(data, true); err == nil || !strings.Contains(err.Error(), "WARD_MASTER_KEY") {
			t.Errorf("%s file: %v", name, err)
		}
	}
	t.Setenv(EnvFileVar, filepath.Join(dir, "missing"))
	if _, err := DefaultProvider(data, true); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}
