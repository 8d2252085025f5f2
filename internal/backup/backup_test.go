package backup_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func login(t *testing.T, base, email, pw string) *client.Client {
	t.Helper()
	c := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := c.Login(context.Background(), client.LoginRequest{Email: email, Password: pw,
		Device: client.Device{ID: "dev-" + email, Name: "desk"}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBackupWhileServing backs up a ward that is taking messages: every
// message acknowledged before the backup started is in its restore, which
// serves them readable, passes the audit verification, and verifies.
func TestBackupWhileServing(t *testing.T) {
	ctx := context.Background()
	s := seed(t, "")
	base := serve(t, s.cfg)
	owner := login(t, base, "nurse@backup.test", nursePW)
	conv, err := owner.CreateConversation(ctx, client.NewConversation{Kind: "direct", Members: []string{s.clinician.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	senderDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				senderDone <- nil
				return
			default:
			}
			m, err := owner.Send(ctx, conv.ID, client.SendRequest{ClientID: fmt.Sprintf("c-%d", i), Body: fmt.Sprintf("canary message %d", i)})
			if err != nil {
				senderDone <- err
				return
			}
			mu.Lock()
			acked = append(acked, m.ID)
			mu.Unlock()
		}
	}()
	for { // let some messages through first
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	res := runBackup(t, s.cfg)
	close(stop)
	if err := <-senderDone; err != nil {
		t.Fatalf("a send failed while the backup ran: %v", err)
	}
	mu.Lock()
	t.Logf("%d messages acknowledged before the backup began, %d in all", len(before), len(acked))
	mu.Unlock()

	f, err := os.Open(res.Where)
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Verify(f, identities(t), nil, nil)
	f.Close()
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if m.Dialect != "sqlite" || len(m.MasterKeyIDs) == 0 {
		t.Fatalf("manifest: %+v", m)
	}
	raw, err := os.ReadFile(res.Where)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"canary message", "nurse@backup.test"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("the backup file holds %q in the clear", secret)
		}
	}

	rcfg := restoreInto(t, res.Where, s.cfg, "")
	verifyAudit(t, rcfg)
	rbase := serve(t, rcfg)
	reader := login(t, rbase, "nurse@backup.test", nursePW)
	have := map[string]string{}
	var msgs []client.Message
	for after := int64(0); ; {
		page, err := reader.Messages(ctx, conv.ID, after, 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			have[m.ID] = m.Body
			after = max(after, m.Seq)
		}
		msgs = append(msgs, page...)
	}
	for _, id := range before {
		if !strings.HasPrefix(have[id], "canary message ") {
			t.Fatalf("message %s, acknowledged before the backup, is not readable in the restore (%d messages there)", id, len(msgs))
		}
	}
}

// TestVerifyNamesWhatIsWrong: a flipped byte, a cut-off file and a wrong
// key each fail verification, naming the entry where there is one.
func TestVerifyNamesWhatIsWrong(t *testing.T) {
	s := seed(t, "")
	if err := os.MkdirAll(filepath.Join(s.cfg.DataDir, "blobs", "zz"), 0o700); err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 300<<10) // an attachment's sealed bytes
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(s.cfg.DataDir, "blobs", "zz", "blob-0001zz"), blob, 0o600); err != nil {
		t.Fatal(err)
	}
	res := runBackup(t, s.cfg)
	good, err := os.ReadFile(res.Where)
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Counts.Blobs != 1 {
		t.Fatalf("blobs in the manifest: %+v", res.Manifest.Counts)
	}
	check := func(name string, b []byte, ids bool, want string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "b"+backup.FileSuffix)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(path)
		defer f.Close()
		key := identities(t)
		if !ids {
			other := backup.Key{Passphrase: "another passphrase", WorkFactor: 10}
			key, _ = other.Identities()
		}
		_, err := backup.Verify(f, key, nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: Verify = %v, want an error naming %q", name, err, want)
		}
	}
	flipped := append([]byte(nil), good...)
	flipped[len(good)-200<<10] ^= 1 // inside the blob, the last entry before the manifest
	check("a flipped byte", flipped, true, "entry blobs/blob-0001zz")
	check("cut short", good[:len(good)/2], true, "truncated")
	check("another key", good, false, "wrong key")
	// Restoring the altered backup leaves the data dir as it was: empty.
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "bad"+backup.FileSuffix)
	os.WriteFile(path, flipped, 0o600)
	f, _ := os.Open(path)
	_, err = backup.Restore(context.Background(), f, backup.RestoreOptions{Identities: identities(t), DataDir: dir})
	f.Close()
	var p *backup.Problem
	if !errors.As(err, &p) || p.Entry != "blobs/blob-0001zz" {
		t.Fatalf("Restore of an altered backup: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("a failed restore left %d files behind", len(ents))
	}
}

func TestRestoreRefusesNonEmptyDataDir(t *testing.T) {
	s := seed(t, "")
	res := runBackup(t, s.cfg)
	f, err := os.Open(res.Where)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = backup.Restore(context.Background(), f, backup.RestoreOptions{Identities: identities(t), DataDir: s.cfg.DataDir})
	if !errors.Is(err, backup.ErrNotEmpty) || ward.ErrorCode(err) != ward.CodeConflict {
		t.Fatalf("restore over a live data dir: %v, want not empty (conflict)", err)
	}
}

// TestShredAfterBackupStaysShredded: a patient record shredded after a
// backup reads as shredded (erased) when that older backup is restored
// with the live key files; another patient's record reads as before.
func TestShredAfterBackupStaysShredded(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, _ *store.Store) {
		dbURL := ""
		if strings.HasSuffix(t.Name(), "postgres") {
			dbURL = storetest.PostgresURL(t)
		}
		shredAfterBackup(t, dbURL)
	})
}

func shredAfterBackup(t *testing.T, dbURL string) {
	ctx := context.Background()
	s := seed(t, dbURL)
	env, err := server.Open(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := env.Patients.Create(ctx, s.clinician, patients.Fields{MRN: "GONE-1", GivenName: "Greta", FamilyName: "Gone", BirthDate: "1970-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := env.Patients.Create(ctx, s.clinician, patients.Fields{MRN: "KEPT-1", GivenName: "Karl", FamilyName: "Kept", BirthDate: "1971-03-04"})
	if err != nil {
		t.Fatal(err)
	}
	doc := &app.Principal{User: s.clinician.User, System: true}
	convs := map[string]string{}
	for _, title := range []string{"gone", "kept"} {
		c, _, err := env.App.CreateConversation(ctx, doc, app.NewConversation{Kind: ward.Group, Title: title, Members: []string{s.nurseID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := env.App.SendMessage(ctx, doc, c.ID, app.SendRequest{ClientID: "m-" + title, Body: "about " + title}); err != nil {
			t.Fatal(err)
		}
		convs[title] = c.ID
	}
	env.Close()
	res := runBackup(t, s.cfg)
	env, err = server.Open(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, scope := range []string{"patient:" + gone.ID, "conv:" + convs["gone"]} {
		if err := env.Keyring.Shred(ctx, s.orgID, scope); err != nil {
			t.Fatal(err)
		}
	}
	env.Close()

	var restoreURL string
	if dbURL != "" {
		restoreURL = storetest.PostgresURL(t) // a fresh schema
		f, err := os.Open(res.Where)
		if err != nil {
			t.Fatal(err)
		}
		_, err = backup.Restore(ctx, f, backup.RestoreOptions{Identities: identities(t), DataDir: t.TempDir(), DBURL: dbURL})
		f.Close()
		if !errors.Is(err, backup.ErrNotEmpty) {
			t.Fatalf("restore into the live database: %v, want not empty", err)
		}
	}
	rcfg := restoreInto(t, res.Where, s.cfg, restoreURL)
	verifyAudit(t, rcfg)
	renv, err := server.Open(ctx, rcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer renv.Close()
	got, err := renv.Patients.Get(ctx, s.clinician, gone.ID)
	if err != nil || !got.Erased || got.Fields != (patients.Fields{}) {
		t.Fatalf("the patient shredded after the backup, restored: %+v, %v; want erased", got, err)
	}
	got, err = renv.Patients.Get(ctx, s.clinician, kept.ID)
	if err != nil || got.Erased || got.Fields.MRN != "KEPT-1" || got.Fields.GivenName != "Karl" {
		t.Fatalf("the other patient, restored: %+v, %v", got, err)
	}
	_, err = renv.App.ListMessages(ctx, doc, convs["gone"], 0, 50)
	if !errors.Is(err, keyring.ErrKeyDestroyed) || !strings.Contains(err.Error(), "shredded") {
		t.Fatalf("the conversation shredded after the backup, restored: %v; want key destroyed", err)
	}
	msgs, err := renv.App.ListMessages(ctx, doc, convs["kept"], 0, 50)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "about kept" {
		t.Fatalf("the other conversation, restored: %+v, %v", msgs, err)
	}
}

// TestBackupHoldsNoKeyMaterial: neither the master key nor the shred key
// file's seeds are in a backup, in any entry, raw or as written in the
// key files.
func TestBackupHoldsNoKeyMaterial(t *testing.T) {
	s := seed(t, "")
	res := runBackup(t, s.cfg)
	dir := t.TempDir()
	f, err := os.Open(res.Where)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := backup.Restore(context.Background(), f, backup.RestoreOptions{Identities: identities(t), DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, name := range []string{keyring.KeyFileName, keyring.ShredKeyFileName} {
		b, err := os.ReadFile(filepath.Join(s.cfg.DataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || strings.HasPrefix(line, "#") {
				continue
			}
			b64 := f[len(f)-1]
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, b64, string(raw))
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("found %d key strings in the key files", len(secrets))
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if d.Name() == keyring.KeyFileName || d.Name() == keyring.ShredKeyFileName {
			t.Errorf("the restore holds %s", d.Name())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range secrets {
			if strings.Contains(string(b), sec) {
				t.Errorf("%s holds key material", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
