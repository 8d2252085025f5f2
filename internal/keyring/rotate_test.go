package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// sealed is one stored ciphertext and what it should open to.
type sealed struct {
	ref  Ref
	ct   []byte
	want string
}

// sealMany seals one field in each of n scopes of two orgs.
func sealMany(tb testing.TB, k *Keyring, n int) []sealed {
	var out []sealed
	for _, org := range []string{"o1", "o2"} {
		for i := range n {
			ref := Ref{Org: org, Scope: fmt.Sprintf("conv:%d", i), Record: "m1", Field: "body"}
			want := fmt.Sprintf("%s message %d", org, i)
			out = append(out, sealed{ref, mustSeal(tb, k, ref, want), want})
		}
	}
	return out
}

func openAll(tb testing.TB, k *Keyring, data []sealed) {
	tb.Helper()
	for _, d := range data {
		mustOpen(tb, k, d.ref, d.ct, d.want)
	}
}

var errStop = errors.New("stopped by test")

func TestRotateKEKInterruptedAndResumed(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		k := mustNew(t, s, p)
		data := sealMany(t, k, 10)

		// Stop after two batches of three, as a crash would.
		var seen []Progress
		err := k.Rotate(ctx, RotateOptions{Org: "o1", BatchSize: 3, Progress: func(p Progress) error {
			seen = append(seen, p)
			if p.Done >= 6 {
				return errStop
			}
			return nil
		}})
		if !errors.Is(err, errStop) {
			t.Fatalf("Rotate: %v, want the progress callback's error", err)
		}
		if last := seen[len(seen)-1]; last.Done != 6 || last.Total != 10 || last.KeyID != "v2" || last.Resumed {
			t.Errorf("last progress %+v, want 6 of 10 under v2", last)
		}
		st, err := k.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if o := st.Orgs[0]; o.Org != "o1" || o.KEKVersion != 2 || o.DEKsOnOldKEK != 4 {
			t.Errorf("o1 after an interrupted rotation: %+v; want KEK v2 with 4 keys left on v1", o)
		}
		openAll(t, k, data)
		openAll(t, mustNew(t, s, p), data) // half re-wrapped: still all readable

		// Running again finishes the same rotation instead of starting another.
		seen = nil
		if err := k.Rotate(ctx, RotateOptions{Org: "o1", BatchSize: 3, Progress: func(p Progress) error {
			seen = append(seen, p)
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		if first, last := seen[0], seen[len(seen)-1]; !first.Resumed || last.Done != 4 || last.KeyID != "v2" {
			t.Errorf("resumed progress %+v … %+v, want a resumed v2 finishing 4", first, last)
		}
		// Then every org, with no callback.
		if err := k.Rotate(ctx, RotateOptions{}); err != nil {
			t.Fatal(err)
		}
		st, err = k.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range st.Orgs {
			want := map[string]int{"o1": 3, "o2": 2}[o.Org]
			if o.KEKVersion != want || o.DEKsOnOldKEK != 0 || o.DEKs != 10 || o.KEKs != want {
				t.Errorf("%s after rotations: %+v; want KEK v%d and no keys on older KEKs", o.Org, o, want)
			}
		}
		openAll(t, k, data)
		openAll(t, mustNew(t, s, p), data)
		// New data after rotation goes under the new KEK and reads back.
		more := sealMany(t, mustNew(t, s, p), 12)
		openAll(t, mustNew(t, s, p), more)
	})
}

func TestRotateMasterKeyFile(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		p, err := FileProvider(dir)
		if err != nil {
			t.Fatal(err)
		}
		k := mustNew(t, s, p)
		data := sealMany(t, k, 4)
		sig, err := k.AuditSigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		old := p.KeyIDs()[0]

		// A server already running with the old file must keep working.
		server, err := OpenFileProvider(dir)
		if err != nil {
			t.Fatal(err)
		}

		err = k.Rotate(ctx, RotateOptions{Master: true, BatchSize: 1, Progress: func(p Progress) error {
			if p.Done == 2 {
				return errStop
			}
			return nil
		}})
		if !errors.Is(err, errStop) {
			t.Fatalf("Rotate --master: %v, want the progress callback's error", err)
		}
		ids := p.KeyIDs()
		if len(ids) != 2 || ids[0] != old {
			t.Fatalf("key file holds %v, want [%s, new]", ids, old)
		}
		var seen []Progress
		if err := k.Rotate(ctx, RotateOptions{Master: true, Progress: func(p Progress) error {
			seen = append(seen, p)
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		if last := seen[len(seen)-1]; !last.Resumed || last.KeyID != ids[1] || last.Done != 1 {
			t.Errorf("resumed master rotation ended with %+v; want 1 more key (2 KEKs + 1 secret − 2 done)", last)
		}
		if got := p.KeyIDs(); len(got) != 2 {
			t.Errorf("the resumed rotation added a key: %v", got)
		}
		st, err := k.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.MasterKeyID != ids[1] || len(st.MasterKeys) != 1 || st.MasterKeys[0].KEKs != 2 || st.MasterKeys[0].Secrets != 1 {
			t.Errorf("status after master rotation: %+v", st)
		}
		// Fresh keyrings, one re-reading the file and one that loaded it
		// before the rotation, read everything.
		openAll(t, mustNew(t, s, mustFile(t, dir)), data)
		kServer := mustNew(t, s, server)
		openAll(t, kServer, data)
		sig2, err := kServer.AuditSigningKey(ctx)
		if err != nil || !sig.Equal(sig2) {
			t.Fatalf("audit signing key after master rotation: equal %v, err %v", sig.Equal(sig2), err)
		}
	})
}

func mustFile(tb testing.TB, dir string) *FileKeys {
	tb.Helper()
	p, err := OpenFileProvider(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestRotateMasterEnv(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t, nil)
	oldKey, newKey := randomB64(t), randomB64(t)
	p, err := ParseEnvKeys(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	data := sealMany(t, mustNew(t, s, p), 3)
	err = mustNew(t, s, p).Rotate(ctx, RotateOptions{Master: true})
	if err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Fatalf("rotating a single env key: %v; want advice on %s", err, EnvVar)
	}
	both, err := ParseEnvKeys(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := mustNew(t, s, both).Rotate(ctx, RotateOptions{Master: true}); err != nil {
		t.Fatal(err)
	}
	only, err := ParseEnvKeys(newKey)
	if err != nil {
		t.Fatal(err)
	}
	openAll(t, mustNew(t, s, only), data) // the old key is no longer needed
}

func TestKeyFileMode(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenFileProvider(dir); err == nil {
		t.Fatal("OpenFileProvider made a key file")
	}
	p, err := FileProvider(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("new key file has mode %04o, want 0600", fi.Mode().Perm())
	}
	again, err := FileProvider(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := p.KeyIDs(), again.KeyIDs(); len(a) != 1 || a[0] != b[0] {
		t.Fatalf("reopening the key file gave keys %v, first time %v", b, a)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		os.Chmod(path, mode)
		_, err := FileProvider(dir)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), fmt.Sprintf("%04o", mode)) {
			t.Errorf("mode %04o: error %v; want a refusal naming the mode and chmod 600", mode, err)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		os.Chmod(path, mode)
		if _, err := FileProvider(dir); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	os.Chmod(path, 0o600)
	for name, body := range map[string]string{
		"empty":       "# nothing\n",
		"short key":   "AAAA\n",
		"not base64":  "mk-1 !!!\n",
		"id mismatch": "mk-0000000000000000 " + randomB64(t) + "\n",
	} {
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := OpenFileProvider(dir); err == nil {
			t.Errorf("%s key file accepted", name)
		}
	}
}

func TestEnvProvider(t *testing.T) {
	key := randomB64(t)
	t.Setenv(EnvVar, key)
	p, err := DefaultProvider(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*EnvKeys); !ok {
		t.Fatalf("DefaultProvider with %s set gave %T", EnvVar, p)
	}
	for _, bad := range []string{"short", "AAAA", key + ",nope"} {
		if _, err := ParseEnvKeys(bad); err == nil {
			t.Errorf("ParseEnvKeys(%q) accepted", bad)
		}
	}
	t.Setenv(EnvVar, "")
	dir := t.TempDir()
	p, err = DefaultProvider(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*FileKeys); !ok {
		t.Fatalf("DefaultProvider without %s gave %T", EnvVar, p)
	}
}
