package invitations_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/patients"
)

// TestAcceptMakesTheAccountOnce: accepting an invitation by link (through
// app's Accounts) makes the patient user with the record's name and email,
// links it to the record and signs in, audited in order in one
// transaction; the link then works no more, and a record with an account
// cannot be invited again. On SQLite and PostgreSQL.
func TestAcceptMakesTheAccountOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAccept(t, apptest.New(t, false)) })
	t.Run("postgres", func(t *testing.T) { testAccept(t, apptest.NewPostgres(t, false)) })
}

func testAccept(t *testing.T, f *apptest.Fixture) {
	ctx := context.Background()
	nurseU, pw := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nora Nurse")
	nurse, _ := f.MustLogin(t, nurseU.Email, pw, "nurse-device")
	rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "INV-1", GivenName: "Ivy", FamilyName: "Invited",
		BirthDate: "1980-05-06", Email: "Ivy.Invited@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Invitations.Invite(ctx, nurse, rec.ID, invitations.ChannelEmail, "https://ward.example"); ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Errorf("by email with no mailer: %v", err)
	}
	inv, link, err := f.Invitations.Invite(ctx, nurse, rec.ID, invitations.ChannelLink, "https://ward.example")
	if err != nil || inv.Status != invitations.InvitationPending || !strings.HasPrefix(link, "https://ward.example/invite/") {
		t.Fatalf("invite: %+v %q %v", inv, link, err)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	req := invitations.AcceptRequest{Token: token, Password: "short", DeviceID: "patient-phone", DeviceName: "phone", IP: "10.0.0.7"}
	if _, err := f.Invitations.Accept(ctx, req); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Fatalf("a weak password: %v", err)
	}
	before := len(f.AuditActions(t))
	req.Password = "Ivy's long enough passphrase"
	res, err := f.Invitations.Accept(ctx, req)
	if err != nil || res.Token == "" || res.User.Role != ward.RolePatient || res.User.Email != "ivy.invited@example.org" || res.User.Name != "Ivy Invited" {
		t.Fatalf("accept: %+v %v", res, err)
	}
	if got := f.AuditActions(t)[before:]; !slices.Equal(got, []string{"user.created", "invitation.accepted", "login.succeeded"}) {
		t.Errorf("audited %v", got)
	}
	if _, err := f.App.Authenticate(ctx, res.Token, "10.0.0.7"); err != nil {
		t.Errorf("the new session: %v", err)
	}
	if r, err := f.Patients.Get(ctx, nurse, rec.ID); err != nil || !r.HasAccount {
		t.Errorf("the record after: %+v %v", r, err)
	}
	if _, err := f.Invitations.Accept(ctx, req); ward.ErrorCode(err) != ward.CodeInvitationUsed {
		t.Errorf("the link again: %v", err)
	}
	if _, _, err := f.Invitations.Invite(ctx, nurse, rec.ID, invitations.ChannelLink, "https://ward.example"); ward.ErrorCode(err) != ward.CodeAccountExists {
		t.Errorf("invite a record with an account: %v", err)
	}
}
