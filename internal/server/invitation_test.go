package server_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/server"
)

// TestServeInvitesByEmail (issue 22): ward serve --smtp keeps its mailer.
// A nurse invites a patient by email through the running server; the
// test's SMTP server receives the invitation (the clinic, a link, no PHI);
// the patient opens the link, asks for the email code, accepts over HTTPS
// and signs in afterwards with the password they chose.
func TestServeInvitesByEmail(t *testing.T) {
	ctx := context.Background()
	in := mailtest.Start(t)
	cfg := server.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", SMTP: in.URL}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Invite Clinic", AdminEmail: "owner@invite.example", Password: "invite owner passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: "nurse@invite.example", Name: "N", Role: ward.RoleStaff, Password: "invite nurse passphrase"}); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	base, stop := startSealServer(t, cfg)
	defer stop()
	nurse := client.New(base, client.Options{InsecureSkipVerify: true})
	_, err = nurse.Login(ctx, client.LoginRequest{Email: "nurse@invite.example", Password: "invite nurse passphrase", Device: client.Device{ID: "nurse-desk", Name: "desk"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := nurse.CreatePatient(ctx, client.PatientFields{MRN: "CANARY-INV-9", GivenName: "Zebulon", FamilyName: "Quixotic",
		BirthDate: "1944-04-04", Email: "zq@patients.example"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := nurse.InvitePatient(ctx, rec.ID, "email")
	if err != nil || inv.Status != "pending" || inv.Link != "" {
		t.Fatalf("invite: %+v %v", inv, err)
	}
	body := in.Last(t, "zq@patients.example")
	for _, phi := range []string{"Zebulon", "Quixotic", "1944", "CANARY-INV"} {
		if strings.Contains(body, phi) {
			t.Errorf("the invitation mail holds %q", phi)
		}
	}
	m := regexp.MustCompile(`(https://\S+)/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil || m[1] != base {
		t.Fatalf("no link to %s in:\n%s", base, body)
	}
	token := m[2]
	patient := client.New(base, client.Options{InsecureSkipVerify: true})
	info, err := patient.LookUpInvitation(ctx, token)
	if err != nil || info.Clinic != "Invite Clinic" || !info.NeedsEmailCode {
		t.Fatalf("look-up: %+v %v", info, err)
	}
	if err := patient.SendInvitationCode(ctx, token); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(in.Last(t, "zq@patients.example"))[1]
	signed, err := patient.AcceptInvitation(ctx, token, client.AcceptInvitation{Password: "zq chose this passphrase", EmailCode: code,
		Device: client.Device{ID: "zq-phone-1", Name: "phone"}})
	if err != nil || signed.Token == "" || signed.User.Role != "patient" {
		t.Fatalf("accept: %+v %v", signed, err)
	}
	if me, err := patient.Me(ctx); err != nil || me.User.ID != signed.User.ID {
		t.Errorf("the patient's session: %+v %v", me, err)
	}
	_, err = patient.AcceptInvitation(ctx, token, client.AcceptInvitation{Password: "zq chose this passphrase", EmailCode: code,
		Device: client.Device{ID: "zq-phone-9", Name: "phone"}})
	var perr *client.Error
	if !errors.As(err, &perr) || perr.Code != string(ward.CodeInvitationUsed) {
		t.Errorf("a reused link: %v", err)
	}
	if got, err := nurse.Patient(ctx, rec.ID); err != nil || !got.HasAccount {
		t.Errorf("the record after acceptance: %+v %v", got, err)
	}
	again := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := again.Login(ctx, client.LoginRequest{Email: "zq@patients.example", Password: "zq chose this passphrase", Device: client.Device{ID: "zq-phone-2", Name: "phone"}}); err != nil {
		t.Errorf("the patient signs in: %v", err)
	}
}
