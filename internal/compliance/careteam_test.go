package compliance_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
)

// TestBreakGlassRefusesCareTeam: a clinician on the patient's care team (a
// member of a team the record is assigned to) has access already, so a
// break-glass is refused with already_on_care_team, and nothing is stored,
// audited or alerted; off the team, the same clinician may break the glass.
func TestBreakGlassRefusesCareTeam(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	team, err := w.f.Teams.Create(ctx, w.admin, "Emergency")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.f.Teams.AddMember(ctx, w.admin, team.ID, w.er.User.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.f.Patients.AssignToTeam(ctx, w.admin, team.ID, w.rec.ID); err != nil {
		t.Fatal(err)
	}
	why := ward.Reason{Category: ward.ReasonEmergency, Text: "arrest"}
	_, err = w.s.BreakGlass(ctx, w.er, w.rec.ID, why, 0)
	apptest.WantCode(t, err, ward.CodeOnCareTeam)
	if d, _ := w.s.Counts(ctx, w.comp); d.BreakGlassUses != 0 || len(w.f.AuditEvents(t, audit.BreakGlassOpened)) != 0 {
		t.Fatalf("a refused break-glass left a use or an event: %+v", d)
	}
	if _, err := w.s.BreakGlass(ctx, w.er, w.rec2.ID, why, 0); err != nil { // not on record 2's team
		t.Fatalf("break-glass on another patient: %v", err)
	}
}

// TestBreakGlassAttachment: while a break-glass is live, the clinician
// downloads the attachments of the patient's conversations (audited as
// breakglass.read, resource the attachment, before the answer); not one of
// another patient's conversation, not through someone else's break-glass,
// and not after the time box.
func TestBreakGlassAttachment(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	content := []byte("%PDF-1.4 ECG strip")
	att, err := w.f.App.Attachments().Upload(ctx, w.nurse, attachments.Upload{ConversationID: w.conv.ID, Name: "ecg.pdf", Body: bytes.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.f.App.SendMessage(ctx, w.nurse, w.conv.ID, app.SendRequest{ClientID: "ecg", Body: "ECG", AttachmentIDs: []string{att.ID}}); err != nil {
		t.Fatal(err)
	}
	g, err := w.s.BreakGlass(ctx, w.er, w.rec.ID, ward.Reason{Category: ward.ReasonEmergency, Text: "arrest"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	a, rc, err := w.s.BreakGlassAttachment(ctx, w.er, g.ID, w.conv.ID, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, content) || a.Name != "ecg.pdf" {
		t.Fatalf("attachment %q %q", a.Name, got)
	}
	reads := w.f.AuditEvents(t, audit.BreakGlassRead)
	if len(reads) != 1 || reads[0]["resource_id"] != att.ID || !strings.HasPrefix(reads[0]["reason"].(string), "break-glass "+g.ID) {
		t.Fatalf("breakglass.read events %+v", reads)
	}
	_, _, err = w.s.BreakGlassAttachment(ctx, w.er, g.ID, w.other.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeNotFound) // another patient's conversation
	_, _, err = w.s.BreakGlassAttachment(ctx, w.doc, g.ID, w.conv.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeNotFound) // someone else's break-glass
	_, _, err = w.s.BreakGlassAttachment(ctx, w.nurse, g.ID, w.conv.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeForbidden) // staff never break the glass
	w.f.Clock.Advance(10 * time.Minute)
	_, _, err = w.s.BreakGlassAttachment(ctx, w.er, g.ID, w.conv.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeAccessExpired)
}
