package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	agepkg "filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// The canaries of the archive tests: what the patient's conversation
// says (in its title, a message and an attachment), and what another
// conversation says, which no archive of the patient may hold.
const (
	canaryTitle      = "CANARY-TITLE-7f3a"
	canaryBody       = "CANARY-BODY-91c2 <script>alert(1)</script>"
	canaryAttachment = "CANARY-ATTACHMENT-5d0e"
	canaryOther      = "CANARY-OTHER-b4e8"
	archiveMRN       = "MRN-ARCH-1"
)

// archiveData seeds a data dir through the real app: a patient record
// with a conversation about it (a message, an attachment) and another
// conversation that is about no patient.
func archiveData(t *testing.T) string {
	t.Helper()
	t.Setenv(keyring.EnvVar, "")
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	env, err := server.Open(ctx, server.Config{DataDir: data, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "St Mary", AdminEmail: "owner@stmary.example",
		Password: "owner passphrase long enough"})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := env.App.SystemPrincipal(ctx, org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	staff := func(email string) *app.Principal {
		u, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: ward.RoleClinician,
			Password: "pw for " + email + " is long"})
		if err != nil {
			t.Fatal(err)
		}
		return &app.Principal{User: u, Policy: sys.Policy, System: true}
	}
	alice, bob := staff("alice@stmary.example"), staff("bob@stmary.example")
	rec, err := env.Patients.Create(ctx, alice, patients.Fields{MRN: archiveMRN, GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := env.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Title: canaryTitle,
		Members: []string{bob.User.ID}, PatientID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	att, err := env.App.Attachments().Upload(ctx, alice, attachments.Upload{ConversationID: conv.ID, Name: "notes.txt",
		Body: strings.NewReader(canaryAttachment + strings.Repeat(" plain text", 30000))})
	if err != nil {
		t.Fatal(err)
	}
	send := func(p *app.Principal, convID, body string, atts ...string) {
		if _, _, err := env.App.SendMessage(ctx, p, convID, app.SendRequest{ClientID: body[:12] + p.User.ID[:8], Body: body, AttachmentIDs: atts}); err != nil {
			t.Fatal(err)
		}
	}
	send(alice, conv.ID, canaryBody, att.ID)
	send(bob, conv.ID, "noted, thanks")
	other, _, err := env.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Title: "rota", Members: []string{bob.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	send(bob, other.ID, canaryOther)
	// A patient with a portal account (email stored as a blind index) and a conversation of their own.
	pat, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: "pat@home.example", Name: "Pat", Role: ward.RolePatient,
		Password: "pw for pat is long enough"})
	if err != nil {
		t.Fatal(err)
	}
	own, _, err := env.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Title: "your results", Members: []string{pat.ID}})
	if err != nil {
		t.Fatal(err)
	}
	send(alice, own.ID, "your results are normal")
	return data
}

// archiveKey makes an age identity file and returns its path and recipient.
func archiveKey(t *testing.T) (string, string) {
	t.Helper()
	id, err := agepkg.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(path, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, id.Recipient().String()
}

// openArchive decrypts an archive into its entries, in order.
func openArchive(t *testing.T, file, identity string) ([]string, map[string][]byte) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kf, _ := os.Open(identity)
	defer kf.Close()
	ids, err := agepkg.ParseIdentities(kf)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := agepkg.Decrypt(f, ids...)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(dec)
	var names []string
	entries := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, entries
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		entries[h.Name] = b
	}
}

// writeArchive encrypts entries, in the order of names, as a tar to
// recipient: what someone holding the key could forge.
func writeArchive(t *testing.T, file, recipient string, names []string, entries map[string][]byte) {
	t.Helper()
	r, err := agepkg.ParseX25519Recipient(recipient)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc, err := agepkg.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(enc)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Size: int64(len(entries[n])), Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		tw.Write(entries[n])
	}
	tw.Close()
	enc.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 24, show 4: ward archive export --patient MRN, then ward archive
// verify passes; a flipped byte, a dropped entry, an added one, a changed
// one, truncation and the wrong key each fail naming what is wrong; the
// file holds no canary in plaintext.
func TestArchiveExportVerify(t *testing.T) {
	data := archiveData(t)
	identity, recipient := archiveKey(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "case-17.age")
	code, stdout, stderr := runWard(t, "", "archive", "export", "--data", data, "--patient", archiveMRN, "--out", file, "--recipient", recipient)
	if code != 0 {
		t.Fatalf("export: exit %d: %s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "1 conversations, 2 messages, 1 attachments") || !strings.Contains(stderr, "progress: 100%") {
		t.Fatalf("export said %q / %q", stdout, stderr)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{canaryTitle, "CANARY-BODY-91c2", canaryAttachment, canaryOther, archiveMRN, "notes.txt"} {
		if bytes.Contains(raw, []byte(c)) {
			t.Fatalf("the archive file holds %q in plaintext", c)
		}
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive mode %v, want 0600", fi.Mode().Perm())
	}
	// Inside: the patient's conversation, whole and escaped in the transcript; nothing of the other.
	names, entries := openArchive(t, file, identity)
	var all []byte
	for _, b := range entries {
		all = append(all, b...)
	}
	for _, c := range []string{canaryTitle, "CANARY-BODY-91c2", canaryAttachment, `"action":"message.sent"`} {
		if !bytes.Contains(all, []byte(c)) {
			t.Fatalf("the decrypted archive lacks %q; entries %v", c, names)
		}
	}
	if bytes.Contains(all, []byte(canaryOther)) {
		t.Fatal("the archive of the patient holds another conversation")
	}
	html := string(entries["transcript-0001.html"])
	if strings.Contains(html, "<script") || !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") ||
		!strings.Contains(html, "default-src 'none'") {
		t.Fatalf("transcript not escaped or not locked down:\n%s", html)
	}
	if names[len(names)-2] != "manifest.json" || names[len(names)-1] != "manifest.sig" {
		t.Fatalf("entries %v: want the manifest and its signature last", names)
	}

	verify := func(t *testing.T, f string, extra ...string) (int, string) {
		t.Helper()
		code, stdout, stderr := runWard(t, "", append([]string{"archive", "verify", f}, extra...)...)
		return code, stdout + stderr
	}
	if code, out := verify(t, file, "--identity", identity); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify of the untouched archive: exit %d: %s", code, out)
	}
	// Pinned to the org's key, fetched independently.
	code, pub, _ := runWard(t, "", "archive", "public-key", "--data", data)
	if code != 0 {
		t.Fatalf("public-key: exit %d", code)
	}
	if code, out := verify(t, file, "--identity", identity, "--public-key", strings.Fields(pub)[0]); code != 0 {
		t.Fatalf("verify pinned: exit %d: %s", code, out)
	}
	attName := ""
	for _, n := range names {
		if strings.HasPrefix(n, "attachments/") {
			attName = n
		}
	}
	fails := func(name, want string, f string, extra ...string) {
		t.Run(name, func(t *testing.T) {
			code, out := verify(t, f, extra...)
			if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "NOT intact") {
				t.Fatalf("exit %d, output %q: want 1 and %q", code, out, want)
			}
		})
	}
	// One flipped byte in the payload: that entry's chunk fails authentication.
	flipped := filepath.Join(dir, "flipped.age")
	b := bytes.Clone(raw)
	b[len(b)/2] ^= 0x01
	os.WriteFile(flipped, b, 0o600)
	fails("flipped byte", "entry "+attName+": the encrypted file was altered (a chunk fails authentication) while reading this entry", flipped, "--identity", identity)
	// Truncated.
	short := filepath.Join(dir, "short.age")
	os.WriteFile(short, raw[:len(raw)-100], 0o600)
	fails("truncated", "the file is truncated", short, "--identity", identity)
	shorter := filepath.Join(dir, "shorter.age")
	os.WriteFile(shorter, raw[:len(raw)/3], 0o600)
	fails("truncated mid-entry", "the file is truncated", shorter, "--identity", identity)
	// The wrong key.
	other, _ := archiveKey(t)
	fails("wrong key", "wrong key", file, "--identity", other)
	// Re-encrypted by someone with the key: an entry dropped, added or changed.
	dropped := filepath.Join(dir, "dropped.age")
	var kept []string
	for _, n := range names {
		if n != attName {
			kept = append(kept, n)
		}
	}
	writeArchive(t, dropped, recipient, kept, entries)
	fails("dropped entry", "entry "+attName+": is listed in the signed manifest but missing", dropped, "--identity", identity)
	added := filepath.Join(dir, "added.age")
	withExtra := map[string][]byte{"extra.txt": []byte("planted")}
	for k, v := range entries {
		withExtra[k] = v
	}
	writeArchive(t, added, recipient, append([]string{"extra.txt"}, names...), withExtra)
	fails("added entry", "entry extra.txt: is not in the signed manifest (added)", added, "--identity", identity)
	changed := filepath.Join(dir, "changed.age")
	edited := map[string][]byte{}
	for k, v := range entries {
		edited[k] = v
	}
	edited["messages-0001.jsonl"] = bytes.Replace(entries["messages-0001.jsonl"], []byte("noted"), []byte("NOTED"), 1)
	writeArchive(t, changed, recipient, names, edited)
	fails("changed entry", "entry messages-0001.jsonl: its SHA-256 differs", changed, "--identity", identity)
	forged := filepath.Join(dir, "forged.age")
	edited = map[string][]byte{}
	for k, v := range entries {
		edited[k] = v
	}
	edited["manifest.json"] = bytes.Replace(entries["manifest.json"], []byte(`"messages": 2`), []byte(`"messages": 1`), 1)
	writeArchive(t, forged, recipient, names, edited)
	fails("manifest changed", "entry manifest.json: its signature does not verify", forged, "--identity", identity)
}

// A passphrase works as the key both ways; a wrong one is refused.
func TestArchivePassphrase(t *testing.T) {
	data := archiveData(t)
	file := filepath.Join(t.TempDir(), "a.age")
	t.Setenv(archive.PassphraseEnv, "correct horse battery staple")
	if code, out, errb := runWard(t, "", "archive", "export", "--data", data, "--user", "bob@stmary.example", "--out", file); code != 0 ||
		!strings.Contains(out, "2 conversations, 3 messages") {
		t.Fatalf("export: exit %d: %s%s", code, out, errb)
	}
	if code, out, errb := runWard(t, "", "archive", "verify", file); code != 0 {
		t.Fatalf("verify: exit %d: %s%s", code, out, errb)
	}
	// A patient is found by email through the blind index (to a key: each
	// passphrase costs seconds of scrypt under the race detector).
	_, recipient := archiveKey(t)
	t.Setenv(archive.PassphraseEnv, "")
	patFile := filepath.Join(t.TempDir(), "pat.age")
	if code, out, errb := runWard(t, "", "archive", "export", "--data", data, "--user", "Pat@Home.example", "--out", patFile, "--recipient", recipient); code != 0 ||
		!strings.Contains(out, "1 conversations, 1 messages") {
		t.Fatalf("export of a patient user: exit %d: %s%s", code, out, errb)
	}
	if code, _, errb := runWard(t, "", "archive", "export", "--data", data, "--user", "nobody@home.example", "--out", patFile, "--recipient", recipient); code != 1 ||
		!strings.Contains(errb, "no user has that email") {
		t.Fatalf("unknown email: exit %d: %s", code, errb)
	}
	t.Setenv(archive.PassphraseEnv, "wrong horse")
	if code, _, errb := runWard(t, "", "archive", "verify", file); code != 1 || !strings.Contains(errb, "wrong key") {
		t.Fatalf("wrong passphrase: exit %d: %s", code, errb)
	}
}

// An export of a range with no data is refused and leaves no file; the
// export that runs is audited (archive.exported, ids and counts only) and
// each conversation in it as read.
func TestArchiveRefusesEmptyAndIsAudited(t *testing.T) {
	data := archiveData(t)
	_, recipient := archiveKey(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "empty.age")
	code, _, errb := runWard(t, "", "archive", "export", "--data", data, "--patient", archiveMRN, "--from", "2001-01-01", "--to", "2001-02-01",
		"--out", file, "--recipient", recipient)
	if code != 1 || !strings.Contains(errb, "nothing to export") {
		t.Fatalf("empty range: exit %d: %s", code, errb)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("an empty export left %v behind", left)
	}
	if code, _, errb := runWard(t, "", "archive", "export", "--data", data, "--patient", "NO-SUCH-MRN", "--out", file, "--recipient", recipient); code != 1 ||
		!strings.Contains(errb, "no patient record has that MRN") {
		t.Fatalf("unknown MRN: exit %d: %s", code, errb)
	}
	if code, _, errb := runWard(t, "", "archive", "export", "--data", data, "--conversation", "x", "--user", "a@b.c", "--out", file, "--recipient", recipient); code != 2 {
		t.Fatalf("two selectors: exit %d: %s", code, errb)
	}
	if code, out, errb := runWard(t, "", "archive", "export", "--data", data, "--patient", archiveMRN, "--out", file, "--recipient", recipient); code != 0 {
		t.Fatalf("export: exit %d: %s%s", code, out, errb)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var exported, reads []store.AuditRow
	err = st.Read(ctx, func(tx *store.Tx) error {
		return tx.AuditRows(ctx, store.AuditQuery{}, func(r *store.AuditRow) error {
			switch {
			case r.Action == "archive.exported":
				exported = append(exported, *r)
			case r.Action == "conversation.read" && strings.Contains(r.Reason, "compliance archive export"):
				reads = append(reads, *r)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(exported) != 1 || len(reads) != 1 {
		t.Fatalf("%d archive.exported and %d conversation.read events, want 1 and 1", len(exported), len(reads))
	}
	e := exported[0]
	if !strings.Contains(e.Reason, "1 conversations, 2 messages, 1 attachments") || e.PatientID == "" ||
		!strings.Contains(reads[0].Reason, e.ResourceID) || reads[0].PatientID != e.PatientID {
		t.Fatalf("archive.exported %+v, read %+v", e, reads[0])
	}
	for _, c := range []string{archiveMRN, "CANARY", "bob@"} {
		if strings.Contains(e.Reason, c) {
			t.Fatalf("archive.exported names %q: %s", c, e.Reason)
		}
	}
}

// An export that fails half-way (an interrupt cancels its context) leaves
// neither the file nor its temporary behind.
func TestArchiveFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "a.age")
	err := writeAtomically(out, func(w io.Writer) error {
		w.Write([]byte("half an archive"))
		return context.Canceled
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left %v behind", left)
	}
}
