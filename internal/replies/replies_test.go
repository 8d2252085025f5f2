package replies_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/replies"
)

type fixture struct {
	*apptest.Fixture
	admin, nurse, doc, outsider *access.Principal
	team                        string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{Fixture: apptest.New(t, false)}
	login := func(role ward.Role, email, name string) *access.Principal {
		_, pw := f.AddUser(t, role, email, name)
		p, _ := f.MustLogin(t, email, pw, "dev-"+email)
		return p
	}
	f.admin = login(ward.RoleAdmin, "admin@stmary.example", "Ada Admin")
	f.nurse = login(ward.RoleStaff, "nurse@stmary.example", "Nora Nurse")
	f.doc = login(ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
	f.outsider = login(ward.RoleClinician, "out@stmary.example", "Otto Outside")
	team, err := f.Teams.Create(ctx, f.admin, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*access.Principal{f.nurse, f.doc} {
		if _, err := f.Teams.AddMember(ctx, f.admin, team.ID, p.User.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.team = team.ID
	return f
}

// dbHas reports whether any file of the data dir (database, WAL) holds s.
func (f *fixture) dbHas(t *testing.T, s string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(f.DataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		found = found || bytes.Contains(b, []byte(s))
		return nil
	})
	return found
}

// Saved replies: a team's are shared by its members, a personal one is its
// owner's alone; they render for a patient (an audited read); the title and
// body never reach the database in the clear; an unknown placeholder is
// refused with nothing stored.
func TestSavedReplies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const canary = "CANARY-reply-7f3a"
	shared, err := f.Replies.Create(ctx, f.nurse, replies.NewReply{TeamID: f.team, Title: "Results " + canary,
		Body: "Hello {patient.first_name} {patient.last_name}, {staff.name} at {clinic.name} here. Call {clinic.phone}. " + canary})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := f.Replies.Create(ctx, f.doc, replies.NewReply{Personal: true, Title: "Mine", Body: "Regards, {staff.name}"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.dbHas(t, "Cardiology clinic") {
		t.Fatal("the scan does not see the team's name, stored in the clear")
	}
	if f.dbHas(t, canary) {
		t.Fatal("a saved reply's text is in the database files in the clear")
	}
	// The doctor sees the team's and their own; the nurse the team's only.
	ids := func(p *access.Principal) []string {
		rs, err := f.Replies.List(ctx, p, f.team)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(f.doc); !slices.Equal(got, []string{shared.ID, mine.ID}) {
		t.Fatalf("doctor's list = %v", got)
	}
	if got := ids(f.nurse); !slices.Equal(got, []string{shared.ID}) {
		t.Fatalf("nurse's list = %v", got)
	}
	_, err = f.Replies.List(ctx, f.outsider, f.team)
	apptest.WantCode(t, err, ward.CodeForbidden)
	apptest.WantCode(t, f.Replies.Delete(ctx, f.nurse, mine.ID), ward.CodeNotFound)
	_, err = f.Replies.Update(ctx, f.outsider, shared.ID, replies.Edit{Body: ptr("x")})
	apptest.WantCode(t, err, ward.CodeForbidden)

	// Unknown placeholders: refused, naming the placeholder, nothing stored.
	before := ids(f.doc)
	_, err = f.Replies.Create(ctx, f.doc, replies.NewReply{Personal: true, Title: "t", Body: "Your {patient.ssn} please"})
	apptest.WantCode(t, err, ward.CodeInvalid)
	if !strings.Contains(err.Error(), "{patient.ssn}") {
		t.Fatalf("the error does not name the placeholder: %v", err)
	}
	_, err = f.Replies.Update(ctx, f.doc, mine.ID, replies.Edit{Body: ptr("{clinic.fax}")})
	apptest.WantCode(t, err, ward.CodeInvalid)
	if got := ids(f.doc); !slices.Equal(got, before) {
		t.Fatalf("a refused reply changed the list: %v", got)
	}

	// Rendering for a patient reads the record, audited as patient.read.
	pol, err := f.App.Policy(ctx, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	pol.ClinicPhone = "+1 555 0100"
	if _, err := f.App.UpdatePolicy(ctx, f.admin, pol); err != nil {
		t.Fatal(err)
	}
	rec, err := f.Patients.Create(ctx, f.doc, patients.Fields{MRN: "M-1", GivenName: "Jane", FamilyName: "Doe", BirthDate: "1980-02-03"})
	if err != nil {
		t.Fatal(err)
	}
	reads := strings.Count(strings.Join(f.AuditActions(t), ","), "patient.read")
	out, err := f.Replies.Render(ctx, f.nurse, shared.ID, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello Jane Doe, Nora Nurse at St Mary here. Call +1 555 0100. " + canary
	if out.Text != want || len(out.Missing) != 0 {
		t.Fatalf("render = %+v, want %q", out, want)
	}
	if got := strings.Count(strings.Join(f.AuditActions(t), ","), "patient.read"); got != reads+1 {
		t.Fatalf("patient.read events %d, want %d", got, reads+1)
	}
	// Without a patient, the patient placeholders stay for the sender.
	out, err = f.Replies.Render(ctx, f.nurse, shared.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Text, "Hello {patient.first_name} {patient.last_name}, Nora") ||
		!slices.Equal(out.Missing, []string{replies.PatientFirstName, replies.PatientLastName}) {
		t.Fatalf("render without a patient = %+v", out)
	}
	acts := f.AuditActions(t)
	for _, a := range []string{"reply.created", "reply.created"} {
		if !slices.Contains(acts, a) {
			t.Fatalf("no %s in %v", a, acts)
		}
	}
	if err := f.Replies.Delete(ctx, f.doc, shared.ID); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.AuditActions(t), "reply.deleted") {
		t.Fatal("no reply.deleted")
	}
}

func ptr[T any](v T) *T { return &v }

// The after-hours hook: a team with hours and an auto-reply answers after
// hours and on holidays, with the clinic placeholders filled in.
func TestTeamAutoReply(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	org := f.admin.User.OrgID
	at := func(s string) time.Time {
		tm, _ := time.Parse(time.RFC3339, s)
		return tm
	}
	if _, ok, err := f.Replies.TeamAutoReply(ctx, org, f.team, at("2026-03-09T03:00:00Z")); err != nil || ok {
		t.Fatalf("no hours set: ok=%v err=%v", ok, err)
	}
	h := replies.Hours{Schedule: replies.Schedule{TimeZone: "America/New_York",
		Open: []replies.Window{{Day: 1, Open: "08:00", Close: "17:00"}}, Holidays: []string{"2026-03-16"}},
		AutoReply: "{clinic.name} is closed. In an emergency call 911."}
	_, err := f.Replies.SetTeamHours(ctx, f.outsider, f.team, h)
	apptest.WantCode(t, err, ward.CodeForbidden)
	h2 := h
	h2.AutoReply = "Hi {patient.first_name}"
	_, err = f.Replies.SetTeamHours(ctx, f.nurse, f.team, h2)
	apptest.WantCode(t, err, ward.CodeInvalid)
	if _, err := f.Replies.SetTeamHours(ctx, f.nurse, f.team, h); err != nil {
		t.Fatal(err)
	}
	got, err := f.Replies.TeamHours(ctx, f.outsider, f.team)
	if err != nil || !got.Set || got.AutoReply != h.AutoReply || got.TimeZone != "America/New_York" {
		t.Fatalf("hours = %+v, %v", got, err)
	}
	for _, c := range []struct {
		at   string
		want bool
	}{
		{"2026-03-09T13:00:00Z", false}, // Monday 09:00 EDT
		{"2026-03-09T22:00:00Z", true},  // Monday 18:00 EDT
		{"2026-03-16T13:00:00Z", true},  // the holiday
	} {
		text, ok, err := f.Replies.TeamAutoReply(ctx, org, f.team, at(c.at))
		if err != nil || ok != c.want {
			t.Fatalf("%s: ok=%v err=%v", c.at, ok, err)
		}
		if ok && text != "St Mary is closed. In an emergency call 911." {
			t.Fatalf("text = %q", text)
		}
	}
	if !slices.Contains(f.AuditActions(t), "team.hours_updated") {
		t.Fatal("no team.hours_updated")
	}
}
