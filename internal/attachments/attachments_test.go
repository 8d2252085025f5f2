package attachments_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// attEnv is a group conversation of two clinicians (alice, bob) and a
// patient, and a staff member (carol) who is not in it.
type attEnv struct {
	f                      *apptest.Fixture
	alice, bob, pat, carol *app.Principal
	conv                   ward.Conversation
}

func newAttEnv(t *testing.T) *attEnv {
	t.Helper()
	f := apptest.New(t, false)
	e := &attEnv{f: f}
	// The org keeps messages a day; the conversation below asks for an hour.
	pol := ward.DefaultPolicy()
	pol.MFARequired, pol.MessageLifespan = false, ward.Duration(24*time.Hour)
	if err := f.Store.Write(context.Background(), func(tx *store.Tx) error { return tx.PutPolicy(context.Background(), f.Org.ID, pol) }); err != nil {
		t.Fatal(err)
	}
	login := func(role ward.Role, name string) *app.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		return p
	}
	e.alice, e.bob = login(ward.RoleClinician, "alice"), login(ward.RoleClinician, "bob")
	e.pat, e.carol = login(ward.RolePatient, "pat"), login(ward.RoleStaff, "carol")
	var err error
	e.conv, _, err = f.App.CreateConversation(context.Background(), e.alice, app.NewConversation{Kind: ward.Group,
		Title: "ward 3", Members: []string{e.bob.User.ID, e.pat.User.ID}, Lifespan: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *attEnv) upload(p *app.Principal, name string, content io.Reader) (ward.Attachment, error) {
	return e.f.App.Attachments().Upload(context.Background(), p, attachments.Upload{ConversationID: e.conv.ID, Name: name, Body: content})
}

func (e *attEnv) mustUpload(t *testing.T, p *app.Principal, name string, content []byte) ward.Attachment {
	t.Helper()
	att, err := e.upload(p, name, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("upload %q: %v", name, err)
	}
	return att
}

// download reads an attachment whole.
func (e *attEnv) download(p *app.Principal, id string) (attachments.Download, []byte, error) {
	d, err := e.f.App.Attachments().Open(context.Background(), p, id)
	if err != nil {
		return d, nil, err
	}
	defer d.Body.Close()
	data, err := io.ReadAll(d.Body)
	return d, data, err
}

// blobFiles lists every file in the blob folder, temp files included.
func (e *attEnv) blobFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(e.f.DataDir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *attEnv) row(t *testing.T, id string) store.Attachment {
	t.Helper()
	var row store.Attachment
	if err := e.f.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		row, err = tx.AttachmentByID(context.Background(), e.f.Org.ID, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return row
}

// auditEvents returns the audit events with an action.
func (e *attEnv) auditEvents(t *testing.T, action audit.Action) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), e.f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["action"] == string(action) {
			out = append(out, rec)
		}
	}
	return out
}

// pngBytes is n (>= 57) bytes of a PNG's chunk structure (signature,
// IHDR, one IDAT of random data, IEND): it sniffs as PNG and has no
// metadata to strip, so it is stored as is.
func pngBytes(n int) []byte {
	b, _ := io.ReadAll(pngStream(int64(n), rand.Reader))
	return b
}

// pngStream is a PNG of size bytes whose IDAT data comes from fill.
func pngStream(size int64, fill io.Reader) io.Reader {
	head := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	head = binary.BigEndian.AppendUint32(head, uint32(size-57))
	head = append(head, "IDAT"...)
	tail := []byte("\x00\x00\x00\x00\x00\x00\x00\x00IEND\xaeB`\x82")
	return io.MultiReader(bytes.NewReader(head), io.LimitReader(fill, size-57), bytes.NewReader(tail))
}

func TestAttachmentRoundTrip(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	content := pngBytes(200_000) // several chunks
	att := e.mustUpload(t, e.alice, "wound photo.png", content)
	if att.ContentType != "image/png" || att.Size != int64(len(content)) || att.Name != "wound photo.png" || att.MessageID != "" {
		t.Fatalf("uploaded %+v", att)
	}
	if files := e.blobFiles(t); len(files) != 1 || bytes.Contains(mustRead(t, files[0]), content[8:1000]) {
		t.Fatalf("blob folder: %v (or the content is in it in plaintext)", files)
	}
	// Unsent, it is the uploader's alone.
	if _, _, err := e.download(e.bob, att.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("bob downloads an unsent attachment: %v", err)
	}
	if _, data, err := e.download(e.alice, att.ID); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("alice downloads her unsent attachment: %v", err)
	}
	m, created, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "m1", Body: "see photo",
		AttachmentIDs: []string{att.ID}})
	if err != nil || !created || len(m.Attachments) != 1 || m.Attachments[0].Name != "wound photo.png" {
		t.Fatalf("send: %+v %v", m, err)
	}
	// A retry answers with the same message and attachments; other attachments are a conflict.
	if again, created, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "m1", Body: "see photo",
		AttachmentIDs: []string{att.ID}}); err != nil || created || again.ID != m.ID || len(again.Attachments) != 1 {
		t.Fatalf("retry: %+v %v", again, err)
	}
	if _, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "m1", Body: "see photo"}); ward.ErrorCode(err) != ward.CodeConflict {
		t.Fatalf("retry without the attachment: %v", err)
	}
	msgs, err := e.f.App.ListMessages(ctx, e.bob, e.conv.ID, 0, 0)
	if err != nil || len(msgs) != 1 || len(msgs[0].Attachments) != 1 {
		t.Fatalf("list: %+v %v", msgs, err)
	}
	if a := msgs[0].Attachments[0]; a.ID != att.ID || a.Name != "wound photo.png" || a.ContentType != "image/png" || a.Size != att.Size {
		t.Fatalf("listed %+v", a)
	}
	before := len(e.auditEvents(t, audit.AttachmentDownloaded))
	d, data, err := e.download(e.bob, att.ID)
	if err != nil || !bytes.Equal(data, content) || d.Name != "wound photo.png" || d.ContentType != "image/png" {
		t.Fatalf("bob downloads: %v, %d bytes", err, len(data))
	}
	ev := e.auditEvents(t, audit.AttachmentDownloaded)
	if len(ev) != before+1 {
		t.Fatalf("downloads audited: %d, want %d", len(ev), before+1)
	}
	last := ev[len(ev)-1]
	if last["resource_id"] != att.ID || last["patient_id"] != e.pat.User.ID || !strings.Contains(last["reason"].(string), e.conv.ID) {
		t.Errorf("download event %v", last)
	}
	if up := e.auditEvents(t, audit.AttachmentUploaded); len(up) != 1 || up[0]["patient_id"] != e.pat.User.ID {
		t.Errorf("upload events %v", up)
	}
	// Text: the name gets its extension, the type its charset.
	txt := e.mustUpload(t, e.bob, "../../etc/passwd", []byte("plain notes\n"))
	if txt.Name != "passwd.txt" || txt.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("text upload %+v", txt)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAttachmentLinkRules(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	mine := e.mustUpload(t, e.alice, "a.png", pngBytes(100))
	bobs := e.mustUpload(t, e.bob, "b.png", pngBytes(100))
	other, _, err := e.f.App.CreateConversation(ctx, e.alice, app.NewConversation{Kind: ward.Direct, Members: []string{e.carol.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := e.f.App.Attachments().Upload(ctx, e.alice, attachments.Upload{ConversationID: other.ID, Name: "c.png", Body: bytes.NewReader(pngBytes(100))})
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, ward.MaxAttachmentsPerMessage+1)
	for i := range many {
		many[i] = mine.ID + string(rune('a'+i))
	}
	for _, tc := range []struct {
		name string
		ids  []string
	}{
		{"someone else's", []string{bobs.ID}},
		{"another conversation's", []string{elsewhere.ID}},
		{"unknown", []string{"01a20fde-0000-7000-8000-000000000000"}},
		{"twice", []string{mine.ID, mine.ID}},
		{"empty id", []string{""}},
		{"too many", many},
		{"one good, one bad", []string{mine.ID, bobs.ID}},
	} {
		_, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "x-" + tc.name, Body: "x", AttachmentIDs: tc.ids})
		apptest.WantCode(t, err, ward.CodeInvalid)
	}
	if msgs, err := e.f.App.ListMessages(ctx, e.alice, e.conv.ID, 0, 0); err != nil || len(msgs) != 0 {
		t.Fatalf("refused sends stored %d messages (%v)", len(msgs), err)
	}
	if row := e.row(t, mine.ID); row.MessageID != "" {
		t.Fatalf("a refused send linked the attachment to %s", row.MessageID)
	}
	e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "ok", Body: "x", AttachmentIDs: []string{mine.ID}})
	_, _, err = e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "again", Body: "x", AttachmentIDs: []string{mine.ID}})
	apptest.WantCode(t, err, ward.CodeInvalid) // already sent
}

func TestAttachmentRefusedUploadsLeaveNothing(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	snap := func() string {
		s, err := e.f.Store.Snapshot(ctx, "attachments", "keyring_deks", "messages")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snap()
	limit := e.f.App.Attachments().MaxSize()
	over := io.MultiReader(bytes.NewReader(pngBytes(1000)), io.LimitReader(zeros{}, limit-1000+1))
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 600)...)
	for _, tc := range []struct {
		name    string
		p       *app.Principal
		file    string
		content io.Reader
		code    ward.Code
	}{
		{"over the limit", e.alice, "big.png", over, ward.CodeTooLarge},
		{"an .exe renamed .pdf", e.alice, "report.pdf", bytes.NewReader(exe), ward.CodeUnsupported},
		{"HTML renamed .txt", e.alice, "notes.txt", strings.NewReader("<!DOCTYPE html><script>alert(1)</script>"), ward.CodeUnsupported},
		{"SVG", e.alice, "x.svg", strings.NewReader(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), ward.CodeUnsupported},
		{"zip", e.alice, "x.pdf", bytes.NewReader(append([]byte("PK\x03\x04"), make([]byte, 100)...)), ward.CodeUnsupported},
		{"empty", e.alice, "x.txt", strings.NewReader(""), ward.CodeInvalid},
		{"not a member", e.carol, "x.png", bytes.NewReader(pngBytes(100)), ward.CodeNotFound},
		{"name too long", e.alice, strings.Repeat("x", 2000), bytes.NewReader(pngBytes(100)), ward.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.upload(tc.p, tc.file, tc.content)
			apptest.WantCode(t, err, tc.code)
			if files := e.blobFiles(t); len(files) != 0 {
				t.Errorf("left in the blob folder: %v", files)
			}
			if snap() != before {
				t.Errorf("the database changed")
			}
		})
	}
	if ev := e.auditEvents(t, audit.AttachmentUploaded); len(ev) != 0 {
		t.Errorf("refused uploads audited as uploaded: %v", ev)
	}
	// Exactly at the limit is fine.
	at := pngStream(limit, zeros{})
	if att, err := e.upload(e.alice, "big.png", at); err != nil || att.Size != limit {
		t.Fatalf("upload at the limit: %+v %v", att, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestAttachmentNonMembers(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	att := e.mustUpload(t, e.alice, "a.png", pngBytes(100))
	e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "m", Body: "x", AttachmentIDs: []string{att.ID}})
	if _, _, err := e.download(e.carol, att.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("non-member download: %v", err)
	}
	if _, _, err := e.download(e.pat, att.ID); err != nil {
		t.Fatalf("the patient member downloads: %v", err)
	}
	if _, _, err := e.download(e.bob, "no-such-id"); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("unknown id: %v", err)
	}
	for _, ev := range e.auditEvents(t, audit.AttachmentDownloaded) {
		if ev["actor_user_id"] == e.carol.User.ID {
			t.Errorf("a refused download was audited as a download: %v", ev)
		}
	}
}

func TestAttachmentNamesSanitised(t *testing.T) {
	e := newAttEnv(t)
	for in, want := range map[string]string{
		"../../etc/passwd":       "passwd.png",
		`C:\x\y.pdf`:             "y.pdf.png",
		"scan\x00\x1b[31m.png":   "scan[31m.png",
		"x\u202egnp.exe":         "xgnp.exe.png",
		"/":                      "attachment.png",
		strings.Repeat("n", 400): strings.Repeat("n", ward.MaxAttachmentNameLen-4) + ".png",
	} {
		att := e.mustUpload(t, e.alice, in, pngBytes(64))
		if att.Name != want {
			t.Errorf("%q stored as %q, want %q", in, att.Name, want)
		}
		if _, data, err := e.download(e.alice, att.ID); err != nil || len(data) != 64 {
			t.Errorf("%q: download %v", in, err)
		}
	}
}

// TestAttachmentTamperedBlob alters the sealed blob on disk in several ways:
// a download then fails with an integrity error and never yields bytes
// that are not the file's.
func TestAttachmentTamperedBlob(t *testing.T) {
	e := newAttEnv(t)
	content := pngBytes(300_000) // 5 chunks
	for _, tc := range []struct {
		name   string
		change func([]byte) []byte
	}{
		{"a flipped bit in the third chunk", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"a flipped bit in the header", func(b []byte) []byte { b[10] ^= 1; return b }},
		{"cut at a chunk boundary", func(b []byte) []byte { return b[:len(b)-(300_000-4*65536)-16] }},
		{"cut mid-chunk", func(b []byte) []byte { return b[:len(b)-1000] }},
		{"cut to the header", func(b []byte) []byte { return b[:20] }},
		{"bytes appended", func(b []byte) []byte { return append(b, 0) }},
		{"empty", func(b []byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			att := e.mustUpload(t, e.alice, "x.png", content)
			path := e.blobPath(t, att.ID)
			if err := os.WriteFile(path, tc.change(mustRead(t, path)), 0o600); err != nil {
				t.Fatal(err)
			}
			d, err := e.f.App.Attachments().Open(context.Background(), e.alice, att.ID)
			if err == nil {
				var data []byte
				data, err = io.ReadAll(d.Body)
				d.Body.Close()
				if !bytes.HasPrefix(content, data) {
					t.Fatalf("read %d bytes that are not the file's", len(data))
				}
			}
			apptest.WantCode(t, err, ward.CodeIntegrity)
		})
	}
}

// blobPath finds the file of an attachment's blob.
func (e *attEnv) blobPath(t *testing.T, id string) string {
	t.Helper()
	key := e.row(t, id).BlobKey
	for _, f := range e.blobFiles(t) {
		if filepath.Base(f) == key {
			return f
		}
	}
	t.Fatalf("no blob file for %s", id)
	return ""
}

func TestAttachmentRecallPurgeAndSweep(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	send := func(client string, ids ...string) ward.Message {
		m, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: client, Body: "x", AttachmentIDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	gone := func(id string) {
		t.Helper()
		row := e.row(t, id)
		if row.NameSealed != nil || row.DeletedAt.IsZero() || row.BlobKey != "" {
			t.Errorf("%s: row %+v still has its name or blob", id, row)
		}
		if _, _, err := e.download(e.bob, id); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("%s: download after deletion: %v", id, err)
		}
	}
	// Recall.
	a1, a2 := e.mustUpload(t, e.alice, "1.png", pngBytes(100)), e.mustUpload(t, e.alice, "2.png", pngBytes(100))
	keep := e.mustUpload(t, e.alice, "keep.png", pngBytes(100))
	m := send("recalled", a1.ID, a2.ID)
	send("kept", keep.ID)
	e.f.Clock.Advance(time.Minute)
	if _, err := e.f.App.Recall(ctx, e.alice, m.ID); err != nil {
		t.Fatal(err)
	}
	gone(a1.ID)
	gone(a2.ID)
	if files := e.blobFiles(t); len(files) != 1 {
		t.Errorf("after recall: %d blobs, want 1", len(files))
	}
	msgs, _ := e.f.App.ListMessages(ctx, e.bob, e.conv.ID, 0, 0)
	if len(msgs) != 2 || len(msgs[0].Attachments) != 0 || len(msgs[1].Attachments) != 1 {
		t.Errorf("listing after recall: %+v", msgs)
	}
	// Purge (the conversation's lifespan is an hour); an unsent upload stays until the sweep.
	unsent := e.mustUpload(t, e.bob, "unsent.png", pngBytes(100))
	e.f.Clock.Advance(2 * time.Hour)
	if n, err := e.f.App.Retention().PurgeExpiredMessages(ctx); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	gone(keep.ID)
	if _, _, err := e.download(e.bob, unsent.ID); err != nil {
		t.Fatalf("an unsent upload did not survive the purge: %v", err)
	}
	if n, err := e.f.App.Attachments().Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("early sweep: %d %v", n, err)
	}
	e.f.Clock.Advance(ward.StaleAttachmentAge)
	if n, err := e.f.App.Attachments().Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	gone(unsent.ID)
	if files := e.blobFiles(t); len(files) != 0 {
		t.Errorf("blobs left: %v", files)
	}
}

// TestEscalationChecksBackupAttachments (issue 21, finding 2): the backup
// an urgent message escalated to cannot fetch the attachments of messages
// older than it, and can fetch those sent since.
func TestEscalationChecksBackupAttachments(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	old := e.mustUpload(t, e.alice, "old.png", pngBytes(100))
	if _, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "old", Body: "x", AttachmentIDs: []string{old.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "stat", Body: "call me",
		Priority: ward.Urgent, BackupUserID: e.carol.User.ID}); err != nil {
		t.Fatal(err)
	}
	e.f.Clock.Advance(15 * time.Minute)
	if _, n, err := e.f.App.RunUrgentTimers(ctx); err != nil || n != 1 {
		t.Fatalf("escalation: %d %v", n, err)
	}
	if _, _, err := e.download(e.carol, old.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Errorf("the backup fetches an attachment older than the urgent message: %v, want not_found", err)
	}
	later := e.mustUpload(t, e.alice, "later.png", pngBytes(100))
	if _, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: "later", Body: "x", AttachmentIDs: []string{later.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.download(e.carol, later.ID); err != nil {
		t.Errorf("the backup fetches a later attachment: %v", err)
	}
}
