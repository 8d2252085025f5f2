package baa_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
)

type world struct {
	f                       *apptest.Fixture
	s                       *baa.Service
	inbox                   *mailtest.Inbox
	comp, admin, owner, doc *access.Principal
}

func newWorld(t *testing.T) *world { return newWorldOn(t, apptest.New(t, false)) }

func newWorldOn(t *testing.T, f *apptest.Fixture) *world {
	w := &world{f: f, inbox: mailtest.Start(t)}
	m, err := mail.Open(w.inbox.URL)
	if err != nil {
		t.Fatal(err)
	}
	w.s = baa.New(baa.Config{Store: f.Store, Keyring: f.Keyring, Blobs: f.Blobs, Mailer: m, ConsoleLink: "https://ward.example/console/baas",
		Now: f.Clock.Now})
	login := func(role ward.Role, name string) *access.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		return p
	}
	w.comp, w.admin, w.doc = login(ward.RoleCompliance, "comp"), login(ward.RoleAdmin, "admin"), login(ward.RoleClinician, "doc")
	w.owner, _ = f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner")
	return w
}

// TestRegistryAndCard: admins, compliance and the owner register and
// change agreements (clinicians cannot); an expiry before the signing, or
// signed without a date, is baa_dates_invalid and stores nothing; the
// dashboard card lists what expires within 60 days and vendors without a
// signed agreement in force; each change is audited.
func TestRegistryAndCard(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.f.Clock.Now()
	_, err := w.s.Create(ctx, w.doc, baa.Draft{Vendor: "Cloudy"})
	apptest.WantCode(t, err, ward.CodeForbidden)
	_, err = w.s.Create(ctx, w.admin, baa.Draft{Vendor: "Cloudy", Status: "signed", SignedAt: now, ExpiresAt: now.AddDate(0, 0, -1)})
	apptest.WantCode(t, err, ward.CodeBAADates)
	_, err = w.s.Create(ctx, w.admin, baa.Draft{Vendor: "Cloudy", Status: "signed"})
	apptest.WantCode(t, err, ward.CodeBAADates)
	_, err = w.s.Create(ctx, w.admin, baa.Draft{Vendor: "Cloudy", Status: "maybe"})
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.s.Create(ctx, w.admin, baa.Draft{Vendor: " "})
	apptest.WantCode(t, err, ward.CodeInvalid)
	if l, _ := w.s.List(ctx, w.comp); len(l) != 0 {
		t.Fatalf("stored after bad input: %v", l)
	}
	year := now.AddDate(-1, 0, 0)
	soon, err := w.s.Create(ctx, w.admin, baa.Draft{Vendor: "Cloudy Hosting", Service: "hosting", PHI: "all messages, sealed",
		Status: "signed", SignedAt: year, ExpiresAt: now.AddDate(0, 0, 45)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Create(ctx, w.comp, baa.Draft{Vendor: "Later Labs", Status: "signed", SignedAt: year, ExpiresAt: now.AddDate(1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	asked, err := w.s.Create(ctx, w.owner, baa.Draft{Vendor: "Mail Co", Status: "requested"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.s.Dashboard(ctx, w.comp)
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 3 || len(c.Expiring) != 1 || c.Expiring[0].ID != soon.ID || *c.Expiring[0].DaysLeft != 45 ||
		len(c.Missing) != 1 || c.Missing[0].ID != asked.ID {
		t.Fatalf("card %+v", c)
	}
	// Past expiry, a signed agreement shows as expired and is missing.
	w.f.Clock.Set(now.AddDate(0, 0, 46))
	if c, _ = w.s.Dashboard(ctx, w.admin); len(c.Missing) != 2 || len(c.Expiring) != 0 {
		t.Fatalf("card after expiry %+v", c)
	}
	if got, _ := w.s.Get(ctx, w.admin, soon.ID); got.Status != baa.StatusExpired {
		t.Fatalf("status %q", got.Status)
	}
	_, err = w.s.Update(ctx, w.admin, asked.ID, baa.Draft{Vendor: "Mail Co", Status: "signed", SignedAt: now, ExpiresAt: now.AddDate(0, 0, -3)})
	apptest.WantCode(t, err, ward.CodeBAADates)
	if _, err := w.s.Update(ctx, w.admin, asked.ID, baa.Draft{Vendor: "Mail Co", Status: "signed", SignedAt: now, ExpiresAt: now.AddDate(2, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if n, m := len(w.f.AuditEvents(t, audit.BAACreated)), len(w.f.AuditEvents(t, audit.BAAUpdated)); n != 3 || m != 1 {
		t.Fatalf("%d baa.created, %d baa.updated", n, m)
	}
}

// TestExpiryReminders: 60, 30 and 7 days before a signed agreement
// expires, every compliance officer is mailed (a real SMTP server on
// loopback) once, however often the job runs; a renewed expiry starts
// its own reminders; a terminated agreement is not reminded.
func TestExpiryReminders(t *testing.T) { testExpiryReminders(t, newWorld(t)) }

// TestExpiryRemindersPostgres is the same on PostgreSQL (skipped unless
// WARD_TEST_POSTGRES is set).
func TestExpiryRemindersPostgres(t *testing.T) {
	testExpiryReminders(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testExpiryReminders(t *testing.T, w *world) {
	ctx := context.Background()
	now := w.f.Clock.Now()
	exp := now.AddDate(0, 0, 90)
	a, err := w.s.Create(ctx, w.admin, baa.Draft{Vendor: "Cloudy Hosting", Status: "signed", SignedAt: now.AddDate(-1, 0, 0), ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := w.s.Create(ctx, w.admin, baa.Draft{Vendor: "Old Vendor", Status: "terminated", SignedAt: now.AddDate(-1, 0, 0), ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	_ = gone
	run := func(want int) {
		t.Helper()
		for range 2 {
			n, err := w.s.RunReminders(ctx)
			if err != nil || n != want {
				t.Fatalf("at %v: %d reminders (%v), want %d", w.f.Clock.Now(), n, err, want)
			}
			want = 0
		}
	}
	run(0)
	for _, step := range []struct {
		days float64
		want int
	}{{61, 0}, {60, 1}, {45, 0}, {29.5, 1}, {8, 0}, {6.9, 1}, {0.5, 0}, {-3, 0}} {
		w.f.Clock.Set(exp.Add(-time.Duration(step.days * 24 * float64(time.Hour))))
		run(step.want)
	}
	mails := w.inbox.All()
	if len(mails) != 3 {
		t.Fatalf("%d mails, want 3", len(mails))
	}
	for _, m := range mails {
		if strings.Contains(m.Body, "Cloudy") || !strings.Contains(m.Body, "business associate agreement") {
			t.Fatalf("reminder: %s", m.Body)
		}
	}
	// Renewed: a new expiry, new reminders.
	renewed := w.f.Clock.Now().AddDate(0, 0, 50)
	if _, err := w.s.Update(ctx, w.comp, a.ID, baa.Draft{Vendor: "Cloudy Hosting", Status: "signed", SignedAt: w.f.Clock.Now(), ExpiresAt: renewed}); err != nil {
		t.Fatal(err)
	}
	run(1)
	if n := len(w.f.AuditEvents(t, audit.BAAReminded)); n != 4 {
		t.Fatalf("%d baa.reminded", n)
	}
}

// TestDocumentSealed: the uploaded document is sealed in the blob store
// (its bytes are in no file under the data folder) and reads back whole;
// a replacement deletes the old blob; every download is audited.
func TestDocumentSealed(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, err := w.s.Create(ctx, w.comp, baa.Draft{Vendor: "Cloudy Hosting", Status: "requested"})
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("%PDF-1.4\nCANARY-baa-document-8812 " + strings.Repeat("agreement text ", 20000))
	got, err := w.s.PutDocument(ctx, w.admin, a.ID, baa.Upload{Name: "cloudy-baa.pdf", Body: bytes.NewReader(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Document == nil || got.Document.Size != int64(len(doc)) || got.Document.ContentType != "application/pdf" {
		t.Fatalf("document %+v", got.Document)
	}
	files := 0
	filepath.Walk(w.f.DataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte("CANARY-baa-document")) {
			t.Errorf("document in the clear in %s", path)
		}
		if strings.Contains(path, "blobs") {
			files++
		}
		return nil
	})
	read := func() []byte {
		t.Helper()
		d, rc, err := w.s.OpenDocument(ctx, w.comp, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil || !strings.HasSuffix(d.Name, ".pdf") {
			t.Fatalf("read %q %v", d.Name, err)
		}
		return b
	}
	if !bytes.Equal(read(), doc) {
		t.Fatal("the document did not read back whole")
	}
	if _, err := w.s.PutDocument(ctx, w.admin, a.ID, baa.Upload{Name: "v2.pdf", Body: strings.NewReader("%PDF-1.4 second")}); err != nil {
		t.Fatal(err)
	}
	if string(read()) != "%PDF-1.4 second" {
		t.Fatal("replacement not read")
	}
	after := 0
	filepath.Walk(filepath.Join(w.f.DataDir, "blobs"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			after++
		}
		return nil
	})
	if files != 1 || after != 1 {
		t.Fatalf("blob files %d then %d, want 1 and 1", files, after)
	}
	_, err = w.s.PutDocument(ctx, w.admin, a.ID, baa.Upload{Name: "empty.pdf", Body: strings.NewReader("")})
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, _, err = w.s.OpenDocument(ctx, w.doc, a.ID)
	apptest.WantCode(t, err, ward.CodeForbidden)
	if n := len(w.f.AuditEvents(t, audit.BAADocumentRead)); n != 2 {
		t.Fatalf("%d baa.document_read", n)
	}
}
