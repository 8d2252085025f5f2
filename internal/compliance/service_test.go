package compliance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// world is an org with a patient record and a conversation about it
// between a nurse and a doctor, with three messages.
type world struct {
	f                           *apptest.Fixture
	s                           *compliance.Service
	broker                      *realtime.LocalBroker
	inbox                       *mailtest.Inbox
	nurse, doc, er, comp, comp2 *access.Principal
	admin, owner                *access.Principal
	rec, rec2                   patients.Record
	conv, other                 ward.Conversation
}

const canary = "CANARY-reason-7731 Mrs Example's complaint"

func newWorld(t testing.TB) *world { return newWorldOn(t, apptest.New(t, false)) }

func newWorldOn(t testing.TB, f *apptest.Fixture) *world {
	ctx := context.Background()
	w := &world{f: f, broker: realtime.NewLocalBroker()}
	w.inbox = mailtest.Start(t)
	m, err := mail.Open(w.inbox.URL)
	if err != nil {
		t.Fatal(err)
	}
	w.s = compliance.New(compliance.Config{Store: f.Store, Keyring: f.Keyring, Transcripts: f.App, Broker: w.broker,
		Mailer: m, ConsoleLink: "https://ward.example/compliance", Now: f.Clock.Now})
	login := func(role ward.Role, name string) *access.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		return p
	}
	w.nurse, w.doc, w.er = login(ward.RoleStaff, "nurse"), login(ward.RoleClinician, "doc"), login(ward.RoleClinician, "er")
	w.comp, w.comp2, w.admin = login(ward.RoleCompliance, "comp"), login(ward.RoleCompliance, "comp2"), login(ward.RoleAdmin, "admin")
	w.owner, _ = f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner")
	if w.rec, err = f.Patients.Create(ctx, w.nurse, patients.Fields{MRN: "R-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"}); err != nil {
		t.Fatal(err)
	}
	if w.rec2, err = f.Patients.Create(ctx, w.nurse, patients.Fields{MRN: "R-2", GivenName: "Sam", FamilyName: "Second", BirthDate: "1971-01-01"}); err != nil {
		t.Fatal(err)
	}
	mk := func(title, patientID string) ward.Conversation {
		c, _, err := f.App.CreateConversation(ctx, w.nurse, app.NewConversation{Kind: ward.Group, Title: title, Members: []string{w.doc.User.ID}, PatientID: patientID})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.conv, w.other = mk("cardio follow-up", w.rec.ID), mk("second patient", w.rec2.ID)
	for i := range 3 {
		if _, _, err := f.App.SendMessage(ctx, w.nurse, w.conv.ID, app.SendRequest{ClientID: fmt.Sprint("c", i), Body: fmt.Sprint("body ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.App.SendMessage(ctx, w.nurse, w.other.ID, app.SendRequest{ClientID: "o", Body: "other body"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func reasons(t *testing.T, f *apptest.Fixture, a audit.Action) []string {
	var out []string
	for _, e := range f.AuditEvents(t, a) {
		r, _ := e["reason"].(string)
		out = append(out, r)
	}
	return out
}

// TestReview: compliance finds a conversation by patient, member, date or
// id without seeing its title; opening a review needs a reason and a time
// box within policy (else a stable code and nothing stored); every page
// read is audited with the review's id and category; the reason's text is
// sealed and never in the audit trail; only the officer who opened the
// review reads through it; the time box ends access (fake clock); the
// owner sees the log without the text; admins and owners cannot review.
func TestReview(t *testing.T) { testReview(t, newWorld(t)) }

// TestReviewPostgres runs TestReview on PostgreSQL (the search's SQL).
func TestReviewPostgres(t *testing.T) { testReview(t, newWorldOn(t, apptest.NewPostgres(t, false))) }

func testReview(t *testing.T, w *world) {
	ctx := context.Background()
	f := w.f

	for _, p := range []*access.Principal{w.admin, w.owner, w.doc} {
		if _, err := w.s.Search(ctx, p, store.ConversationFilter{PatientID: w.rec.ID}); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s searches: %v", p.User.Role, err)
		}
		if _, err := w.s.OpenReview(ctx, p, w.conv.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "x"}, 0); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s opens a review: %v", p.User.Role, err)
		}
	}
	_, err := w.s.Search(ctx, w.comp, store.ConversationFilter{})
	apptest.WantCode(t, err, ward.CodeInvalid)
	for name, flt := range map[string]store.ConversationFilter{
		"patient": {PatientID: w.rec.ID}, "id": {ID: w.conv.ID},
		"member and dates": {MemberID: w.doc.User.ID, From: f.Clock.Now().Add(-time.Hour), To: f.Clock.Now().Add(time.Hour)},
	} {
		found, err := w.s.Search(ctx, w.comp, flt)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, c := range found {
			ids = append(ids, c.ID)
			if c.Title != "" {
				t.Errorf("search %s shows a title", name)
			}
		}
		if !strings.Contains(strings.Join(ids, ","), w.conv.ID) || (name != "member and dates" && len(found) != 1) {
			t.Errorf("search by %s: %v", name, ids)
		}
	}
	if found, _ := w.s.Search(ctx, w.comp, store.ConversationFilter{From: f.Clock.Now().Add(time.Hour)}); len(found) != 0 {
		t.Errorf("a range with nothing in it found %d", len(found))
	}

	// Bad input: a stable code and nothing stored, nothing audited.
	bad := []struct {
		name    string
		conv    string
		r       ward.Reason
		minutes int
		code    ward.Code
	}{
		{"no reason", w.conv.ID, ward.Reason{}, 0, ward.CodeReasonRequired},
		{"a category without text", w.conv.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "  "}, 0, ward.CodeReasonRequired},
		{"text without a category", w.conv.ID, ward.Reason{Text: "why"}, 0, ward.CodeReasonRequired},
		{"an unknown category", w.conv.ID, ward.Reason{Category: "curiosity", Text: "why"}, 0, ward.CodeInvalid},
		{"break-glass's category", w.conv.ID, ward.Reason{Category: ward.ReasonEmergency, Text: "why"}, 0, ward.CodeInvalid},
		{"a novel", w.conv.ID, ward.Reason{Category: ward.ReasonOther, Text: strings.Repeat("x", ward.MaxReasonLen+1)}, 0, ward.CodeInvalid},
		{"beyond policy", w.conv.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "why"}, 61, ward.CodeTimeBoxTooLong},
		{"negative minutes", w.conv.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "why"}, -1, ward.CodeInvalid},
		{"no such conversation", "01a20fde-0000-7000-8000-000000000000", ward.Reason{Category: ward.ReasonComplaint, Text: "why"}, 0, ward.CodeNotFound},
	}
	for _, b := range bad {
		_, err := w.s.OpenReview(ctx, w.comp, b.conv, b.r, b.minutes)
		if ward.ErrorCode(err) != b.code {
			t.Errorf("%s: %v, want %s", b.name, err, b.code)
		}
	}
	tight := *w.comp
	tight.Policy.ReviewAccess = ward.Duration(30 * time.Minute)
	_, err = w.s.OpenReview(ctx, &tight, w.conv.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "why"}, 45)
	apptest.WantCode(t, err, ward.CodeTimeBoxTooLong)
	if log, err := w.s.Reviews(ctx, w.comp, time.Time{}); err != nil || len(log) != 0 {
		t.Fatalf("bad input stored reviews: %v %v", log, err)
	}
	if n := len(f.AuditEvents(t, audit.ComplianceReview)); n != 0 {
		t.Fatalf("bad input left %d compliance.review events", n)
	}

	g, err := w.s.OpenReview(ctx, w.comp, w.conv.ID, ward.Reason{Category: ward.ReasonComplaint, Text: canary}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := g.ExpiresAt.Sub(g.OpenedAt); d != time.Hour || g.PatientID != w.rec.ID {
		t.Fatalf("review %+v: time box %s", g, d)
	}
	msgs, err := w.s.ReviewMessages(ctx, w.comp, g.ID, 0, 2)
	if err != nil || len(msgs) != 2 || msgs[0].Body != "body 0" || msgs[1].Body != "body 1" {
		t.Fatalf("first page: %+v %v", msgs, err)
	}
	if msgs, err = w.s.ReviewMessages(ctx, w.comp, g.ID, 2, 50); err != nil || len(msgs) != 1 || msgs[0].Body != "body 2" {
		t.Fatalf("second page: %+v %v", msgs, err)
	}
	reads := f.AuditEvents(t, audit.ComplianceReviewRead)
	if len(reads) != 2 {
		t.Fatalf("%d compliance.review_read events, want one a page", len(reads))
	}
	want := fmt.Sprintf("review %s (complaint): messages 1 to 2 (2)", g.ID)
	if reads[0]["reason"] != want || reads[0]["resource_id"] != w.conv.ID || reads[0]["patient_id"] != w.rec.ID || reads[0]["actor_user_id"] != w.comp.User.ID {
		t.Errorf("page read event %v, want reason %q", reads[0], want)
	}
	if opened := reasons(t, f, audit.ComplianceReview); len(opened) != 1 || opened[0] != fmt.Sprintf("review %s (complaint), 60 minutes", g.ID) {
		t.Errorf("compliance.review events %q", opened)
	}
	// The reason's text is sealed: not in the trail, not in the row.
	for _, act := range audit.Actions() {
		for _, r := range reasons(t, f, act) {
			if strings.Contains(r, "CANARY") {
				t.Fatalf("%s carries the reason's text", act)
			}
		}
	}
	var sealed []byte
	f.Store.Read(ctx, func(tx *store.Tx) error {
		row, err := tx.GrantByID(ctx, f.Org.ID, g.ID)
		sealed = row.ReasonSealed
		return err
	})
	if len(sealed) == 0 || strings.Contains(string(sealed), "CANARY") {
		t.Fatal("the reason is stored in the clear")
	}

	// Another officer, and the nurse, cannot read through this review.
	_, err = w.s.ReviewMessages(ctx, w.comp2, g.ID, 0, 0)
	apptest.WantCode(t, err, ward.CodeNotFound)
	_, err = w.s.ReviewMessages(ctx, w.nurse, g.ID, 0, 0)
	apptest.WantCode(t, err, ward.CodeForbidden)

	// The log: the owner sees who, what, when and the category; compliance the text too.
	ownLog, err := w.s.Reviews(ctx, w.owner, time.Time{})
	if err != nil || len(ownLog) != 1 || ownLog[0].Reason.Text != "" || ownLog[0].Reason.Category != ward.ReasonComplaint || ownLog[0].UserID != w.comp.User.ID {
		t.Fatalf("owner's log: %+v %v", ownLog, err)
	}
	if log, err := w.s.Reviews(ctx, w.comp2, time.Time{}); err != nil || len(log) != 1 || log[0].Reason.Text != canary {
		t.Fatalf("compliance's log: %+v %v", log, err)
	}
	if _, err := w.s.Reviews(ctx, w.admin, time.Time{}); ward.ErrorCode(err) != ward.CodeForbidden {
		t.Fatalf("admin reads the log: %v", err)
	}

	// The time box ends access.
	f.Clock.Advance(59 * time.Minute)
	if _, err := w.s.ReviewMessages(ctx, w.comp, g.ID, 0, 1); err != nil {
		t.Fatalf("a minute before the end: %v", err)
	}
	f.Clock.Advance(time.Minute)
	before := len(f.AuditEvents(t, audit.ComplianceReviewRead))
	_, err = w.s.ReviewMessages(ctx, w.comp, g.ID, 0, 1)
	apptest.WantCode(t, err, ward.CodeAccessExpired)
	if after := len(f.AuditEvents(t, audit.ComplianceReviewRead)); after != before {
		t.Fatal("a refused read was audited as a read")
	}
	if r, err := w.s.Review(ctx, w.comp, g.ID); err != nil || r.Reason.Text != canary {
		t.Fatalf("an ended review still reads its own record: %+v %v", r, err)
	}
}

// TestBreakGlass: a clinician outside the patient's conversations breaks
// the glass with a reason; compliance officers (and no one else) are
// alerted live with ids and the category only; the clinician reads the
// patient's conversations and no other patient's, audited; the queue
// holds the use until compliance judges it with a note (once); the counts
// follow; the time box ends access.
func TestBreakGlass(t *testing.T) { testBreakGlass(t, newWorld(t)) }

// TestBreakGlassPostgres runs TestBreakGlass on PostgreSQL (the queue, the
// counts and the verdict's SQL), when WARD_TEST_POSTGRES is set.
func TestBreakGlassPostgres(t *testing.T) {
	testBreakGlass(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testBreakGlass(t *testing.T, w *world) {
	ctx := context.Background()
	f := w.f
	var mu sync.Mutex
	var alerts []realtime.Event
	cancel := w.broker.Subscribe(func(ev realtime.Event) {
		mu.Lock()
		alerts = append(alerts, ev)
		mu.Unlock()
	})
	defer cancel()
	why := ward.Reason{Category: ward.ReasonEmergency, Text: canary}

	for _, p := range []*access.Principal{w.nurse, w.comp, w.admin, w.owner} {
		if _, err := w.s.BreakGlass(ctx, p, w.rec.ID, why, 0); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s breaks the glass: %v", p.User.Role, err)
		}
	}
	for name, b := range map[string]struct {
		patient string
		r       ward.Reason
		minutes int
		code    ward.Code
	}{
		"no reason":           {w.rec.ID, ward.Reason{Category: ward.ReasonEmergency}, 0, ward.CodeReasonRequired},
		"a review category":   {w.rec.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "x"}, 0, ward.CodeInvalid},
		"beyond policy":       {w.rec.ID, why, 600, ward.CodeTimeBoxTooLong},
		"no such patient":     {"01a20fde-0000-7000-8000-000000000000", why, 0, ward.CodeNotFound},
		"an empty patient id": {"", why, 0, ward.CodeNotFound},
	} {
		if _, err := w.s.BreakGlass(ctx, w.er, b.patient, b.r, b.minutes); ward.ErrorCode(err) != b.code {
			t.Errorf("%s: %v, want %s", name, err, b.code)
		}
	}
	if d, _ := w.s.Counts(ctx, w.comp); d.BreakGlassUses != 0 || len(alerts) != 0 || len(f.AuditEvents(t, audit.BreakGlassOpened)) != 0 {
		t.Fatalf("bad input left a use, an alert or an event: %+v, %d alerts", d, len(alerts))
	}

	g, err := w.s.BreakGlass(ctx, w.er, w.rec.ID, why, 15)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(alerts) != 1 || alerts[0].Type != compliance.BreakGlassOpened || alerts[0].ConversationID != "" ||
		strings.Join(alerts[0].Users, ",") != w.comp.User.ID+","+w.comp2.User.ID || strings.Contains(string(alerts[0].Data), "CANARY") {
		t.Fatalf("alerts %+v", alerts)
	}
	var alert compliance.Alert
	json.Unmarshal(alerts[0].Data, &alert)
	mu.Unlock()
	if alert.ID != g.ID || alert.PatientID != w.rec.ID || alert.UserID != w.er.User.ID || alert.UserName != "A er" {
		t.Fatalf("alert %+v", alert)
	}
	// And by email, PHI-free: no patient, no clinician, no reason.
	w.s.Wait()
	for _, to := range []string{w.comp.User.Email, w.comp2.User.Email} {
		body := w.inbox.Last(t, to)
		if !strings.Contains(body, "https://ward.example/compliance") || strings.Contains(body, "CANARY") ||
			strings.Contains(body, w.rec.ID) || strings.Contains(body, "A er") {
			t.Fatalf("alert email to %s: %q", to, body)
		}
	}
	if n := len(w.inbox.All()); n != 2 {
		t.Fatalf("%d alert emails, want one to each compliance officer", n)
	}
	list, err := w.s.BreakGlassConversations(ctx, w.er, g.ID)
	if err != nil || len(list) != 1 || list[0].ID != w.conv.ID || list[0].Title != "cardio follow-up" {
		t.Fatalf("the patient's conversations: %+v %v", list, err)
	}
	msgs, err := w.s.BreakGlassMessages(ctx, w.er, g.ID, w.conv.ID, 0, 0)
	if err != nil || len(msgs) != 3 || msgs[2].Body != "body 2" {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	_, err = w.s.BreakGlassMessages(ctx, w.er, g.ID, w.other.ID, 0, 0)
	apptest.WantCode(t, err, ward.CodeNotFound) // another patient's conversation
	_, err = w.s.BreakGlassMessages(ctx, w.doc, g.ID, w.conv.ID, 0, 0)
	apptest.WantCode(t, err, ward.CodeNotFound) // someone else's break-glass
	if rs := reasons(t, f, audit.BreakGlassRead); len(rs) != 2 || rs[1] != fmt.Sprintf("break-glass %s: messages 1 to 3 (3)", g.ID) {
		t.Fatalf("breakglass.read events %q", rs)
	}

	// The queue and the verdict.
	q, err := w.s.Queue(ctx, w.comp, true, time.Time{})
	if err != nil || len(q) != 1 || q[0].ID != g.ID || q[0].Reason.Text != canary {
		t.Fatalf("queue: %+v %v", q, err)
	}
	if rs := reasons(t, f, audit.ComplianceSearched); len(rs) == 0 || rs[len(rs)-1] != "the break-glass queue: 1 read with their reasons" {
		t.Fatalf("reading the queue's reasons is not audited: %q", rs)
	}
	if d, _ := w.s.Counts(ctx, w.owner); d.BreakGlassUses != 1 || d.BreakGlassUnjudged != 1 {
		t.Fatalf("counts %+v", d)
	}
	_, err = w.s.Judge(ctx, w.comp, g.ID, ward.VerdictJustified, " ")
	apptest.WantCode(t, err, ward.CodeReasonRequired)
	_, err = w.s.Judge(ctx, w.comp, g.ID, "maybe", "hmm")
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.s.Judge(ctx, w.owner, g.ID, ward.VerdictJustified, "fine")
	apptest.WantCode(t, err, ward.CodeForbidden)
	j, err := w.s.Judge(ctx, w.comp, g.ID, ward.VerdictJustified, "cardiac arrest in ED, confirmed with the charge nurse")
	if err != nil || j.Verdict != ward.VerdictJustified || j.VerdictBy != w.comp.User.ID || !strings.HasPrefix(j.Note, "cardiac") {
		t.Fatalf("verdict %+v %v", j, err)
	}
	_, err = w.s.Judge(ctx, w.comp2, g.ID, ward.VerdictUnjustified, "second opinion")
	apptest.WantCode(t, err, ward.CodeConflict)
	if rs := reasons(t, f, audit.BreakGlassJudged); len(rs) != 1 || rs[0] != "justified" {
		t.Fatalf("breakglass.judged events %q", rs)
	}
	if q, _ := w.s.Queue(ctx, w.comp, true, time.Time{}); len(q) != 0 {
		t.Fatalf("a judged use still waits: %+v", q)
	}
	if d, _ := w.s.Counts(ctx, w.comp); d.BreakGlassUses != 1 || d.BreakGlassUnjudged != 0 {
		t.Fatalf("counts after the verdict %+v", d)
	}

	f.Clock.Advance(15 * time.Minute)
	_, err = w.s.BreakGlassMessages(ctx, w.er, g.ID, w.conv.ID, 0, 0)
	apptest.WantCode(t, err, ward.CodeAccessExpired)
	_, err = w.s.BreakGlassConversations(ctx, w.er, g.ID)
	apptest.WantCode(t, err, ward.CodeAccessExpired)
}
