package jobs_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/archive/jobs"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/patients"
)

// world is an org with a patient record, a conversation about it with a
// few messages and an attachment, a compliance officer and a runner.
type world struct {
	f            *apptest.Fixture
	r            *jobs.Runner
	dir          string
	comp, nurse  *access.Principal
	admin, comp2 *access.Principal
	rec          patients.Record
	conv         ward.Conversation
	id           *age.X25519Identity
	hold         chan struct{} // when not nil, runs wait on it (or their end)
}

const canary = "CANARY-jobs-4471 chest pain since Tuesday"

func newWorld(t *testing.T) *world { return newWorldOn(t, apptest.New(t, false)) }

func newWorldOn(t *testing.T, f *apptest.Fixture) *world {
	ctx := context.Background()
	w := &world{f: f, dir: filepath.Join(t.TempDir(), "archives")}
	w.r = jobs.New(jobs.Config{Store: f.Store, Keyring: f.Keyring, Blobs: f.Blobs, Dir: w.dir, Patients: f.Patients, Now: f.Clock.Now,
		Hold: func(ctx context.Context, _ string) error {
			if w.hold == nil {
				return nil
			}
			select {
			case <-w.hold:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
	t.Cleanup(w.r.Close)
	login := func(role ward.Role, name string) *access.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		return p
	}
	w.comp, w.comp2, w.nurse, w.admin = login(ward.RoleCompliance, "comp"), login(ward.RoleCompliance, "comp2"), login(ward.RoleStaff, "nurse"), login(ward.RoleAdmin, "admin")
	doc := login(ward.RoleClinician, "doc")
	var err error
	if w.rec, err = f.Patients.Create(ctx, w.nurse, patients.Fields{MRN: "MRN-77", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"}); err != nil {
		t.Fatal(err)
	}
	if w.conv, _, err = f.App.CreateConversation(ctx, w.nurse, app.NewConversation{Kind: ward.Group, Title: "cardio", Members: []string{doc.User.ID}, PatientID: w.rec.ID}); err != nil {
		t.Fatal(err)
	}
	att, err := f.App.Attachments().Upload(ctx, w.nurse, attachments.Upload{ConversationID: w.conv.ID, Name: "ecg.pdf", Body: bytes.NewReader(bytes.Repeat([]byte("ECG "), 5000))})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		req := app.SendRequest{ClientID: fmt.Sprint("m", i), Body: fmt.Sprintf("%s (%d)", canary, i)}
		if i == 0 {
			req.AttachmentIDs = []string{att.ID}
		}
		if _, _, err := f.App.SendMessage(ctx, w.nurse, w.conv.ID, req); err != nil {
			t.Fatal(err)
		}
	}
	if w.id, err = age.GenerateX25519Identity(); err != nil {
		t.Fatal(err)
	}
	return w
}

// wait polls job id until it leaves queued and running.
func (w *world) wait(t *testing.T, id string) jobs.Job {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		j, err := w.r.Get(context.Background(), w.comp, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != "queued" && j.Status != "running" {
			return j
		}
	}
	t.Fatalf("job %s did not end", id)
	return jobs.Job{}
}

// TestExportJob: an officer starts an export by MRN to a recipient key; it
// runs in the background to 100 percent; the other officer downloads it
// (audited), and it verifies with the org's signing key and holds the
// messages; the file holds no canary in plaintext; the key is forgotten.
func TestExportJob(t *testing.T) { testExportJob(t, newWorld(t)) }

// TestExportJobPostgres runs TestExportJob on PostgreSQL (the jobs' SQL)
// when WARD_TEST_POSTGRES is set.
func TestExportJobPostgres(t *testing.T) {
	testExportJob(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testExportJob(t *testing.T, w *world) {
	ctx := context.Background()
	j, err := w.r.Start(ctx, w.comp, jobs.StartRequest{MRN: "MRN-77", Recipient: w.id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != "queued" || j.Messages != 20 || j.Selection.PatientID != w.rec.ID || j.Encryption != "recipient" {
		t.Fatalf("started %+v", j)
	}
	done := w.wait(t, j.ID)
	if done.Status != "done" || done.Percent != 100 || done.Counts == nil || done.Counts.Messages != 20 || done.Counts.Attachments != 1 ||
		done.Attempts != 1 || done.Size == 0 || done.ArchiveID == "" {
		t.Fatalf("finished %+v", done)
	}
	_, rc, err := w.r.Open(ctx, w.comp2, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if bytes.Contains(data, []byte("CANARY")) {
		t.Fatal("the archive holds the canary in plaintext")
	}
	priv, err := w.f.Keyring.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	rep, err := archive.Verify(bytes.NewReader(data), []age.Identity{w.id}, pub, nil)
	if err != nil || rep.Manifest.ID != done.ArchiveID || rep.Manifest.Counts.Messages != 20 {
		t.Fatalf("verify: %+v %v", rep.Manifest.Counts, err)
	}
	for a, n := range map[audit.Action]int{audit.ArchiveExportStarted: 1, audit.ArchiveExported: 1, audit.ArchiveDownloaded: 1} {
		if got := len(w.f.AuditEvents(t, a)); got != n {
			t.Errorf("%d %s events, want %d", got, a, n)
		}
	}
	if list, err := w.r.List(ctx, w.comp); err != nil || len(list) != 1 || list[0].ID != j.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	entries, _ := os.ReadDir(w.dir)
	if len(entries) != 1 || entries[0].Name() != j.ID+".age" {
		t.Fatalf("archive folder holds %v", entries)
	}
	_, err = w.r.Cancel(ctx, w.comp, j.ID)
	apptest.WantCode(t, err, ward.CodeConflict) // it ended
}

// TestExportJobBadInput: each bad request is refused with a stable code
// and stores nothing; admins and staff are refused.
func TestExportJobBadInput(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcpt := w.id.Recipient().String()
	for name, c := range map[string]struct {
		p    *access.Principal
		req  jobs.StartRequest
		code ward.Code
	}{
		"an admin":             {w.admin, jobs.StartRequest{Recipient: rcpt}, ward.CodeForbidden},
		"staff":                {w.nurse, jobs.StartRequest{Recipient: rcpt}, ward.CodeForbidden},
		"no key":               {w.comp, jobs.StartRequest{MRN: "MRN-77"}, ward.CodeInvalid},
		"both keys":            {w.comp, jobs.StartRequest{Recipient: rcpt, Passphrase: "long enough passphrase"}, ward.CodeInvalid},
		"a bad recipient":      {w.comp, jobs.StartRequest{Recipient: "age1nope"}, ward.CodeInvalid},
		"a short passphrase":   {w.comp, jobs.StartRequest{Passphrase: "short"}, ward.CodeInvalid},
		"two selections":       {w.comp, jobs.StartRequest{MRN: "MRN-77", ConversationID: w.conv.ID, Recipient: rcpt}, ward.CodeInvalid},
		"an unknown MRN":       {w.comp, jobs.StartRequest{MRN: "MRN-00", Recipient: rcpt}, ward.CodeNotFound},
		"a range with no data": {w.comp, jobs.StartRequest{From: "2001-01-01", To: "2002-01-01", Recipient: rcpt}, ward.CodeNotFound},
		"from after to":        {w.comp, jobs.StartRequest{From: "2002-01-01", To: "2001-01-01", Recipient: rcpt}, ward.CodeInvalid},
		"a bad date":           {w.comp, jobs.StartRequest{From: "yesterday", Recipient: rcpt}, ward.CodeInvalid},
	} {
		_, err := w.r.Start(ctx, c.p, c.req)
		if ward.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if list, _ := w.r.List(ctx, w.comp); len(list) != 0 || len(w.f.AuditEvents(t, audit.ArchiveExportStarted)) != 0 {
		t.Fatalf("bad input stored %d jobs", len(list))
	}
	_, err := w.r.Get(ctx, w.comp, "not-an-id")
	apptest.WantCode(t, err, ward.CodeNotFound)
}

// TestCancelExportJob: a job cancelled while it runs ends cancelled, with
// no file left and its key forgotten, audited; it cannot be downloaded.
func TestCancelExportJob(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.hold = make(chan struct{})
	j, err := w.r.Start(ctx, w.comp, jobs.StartRequest{ConversationID: w.conv.ID, Passphrase: "a passphrase for the lawyer"})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if g, _ := w.r.Get(ctx, w.comp, j.ID); g.Status == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not start")
		}
	}
	c, err := w.r.Cancel(ctx, w.comp2, j.ID)
	if err != nil || c.Status != "cancelled" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if got := w.wait(t, j.ID); got.Status != "cancelled" {
		t.Fatalf("after cancel %+v", got)
	}
	w.r.Close() // the run has ended
	entries, _ := os.ReadDir(w.dir)
	if len(entries) != 0 {
		t.Fatalf("a cancelled job left %v", entries)
	}
	_, _, err = w.r.Open(ctx, w.comp, j.ID)
	apptest.WantCode(t, err, ward.CodeConflict)
	if ev := w.f.AuditEvents(t, audit.ArchiveExportCancelled); len(ev) != 1 || ev[0]["resource_id"] != j.ID || !strings.Contains(ev[0]["reason"].(string), "running") {
		t.Fatalf("cancelled events %+v", ev)
	}
	if n := len(w.f.AuditEvents(t, audit.ArchiveExported)); n != 0 {
		t.Fatalf("%d archive.exported events for a cancelled job", n)
	}
}
