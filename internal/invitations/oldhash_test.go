package invitations_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

// TestLinksMailedBeforeOnetimeStillWork: an invitation whose token and
// email code were hashed as invitations hashed them before they moved onto
// internal/onetime (SHA-256 of "ward-invitation\x00" token, and of
// "ward-invitation-code\x00" token hash "\x00" code), written straight into
// the store, still opens: the link shows, a wrong code is refused and
// counted, the right code accepts it.
func TestLinksMailedBeforeOnetimeStillWork(t *testing.T) {
	ctx := context.Background()
	f := apptest.New(t, false)
	nurseU, pw := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nora Nurse")
	nurse, _ := f.MustLogin(t, nurseU.Email, pw, "nurse-device")
	rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "OLD-1", GivenName: "Olga", FamilyName: "Older",
		BirthDate: "1970-01-02", Email: "olga@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	const token, code = "an-old-token-mailed-before-the-move", "314159"
	tokenHash := sum("ward-invitation\x00" + token)
	row := store.InvitationRow{ID: uuid.NewString(), OrgID: f.Org.ID, PatientID: rec.ID, Channel: invitations.ChannelEmail,
		TokenHash: tokenHash, CreatedBy: nurseU.ID, ExpiresAt: f.Clock.Now().Add(72 * 3600e9)}
	if err := f.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertInvitation(ctx, &row); err != nil {
			return err
		}
		return tx.SetInvitationCode(ctx, row.ID, sum("ward-invitation-code\x00"+tokenHash+"\x00"+code), f.Clock.Now().Add(600e9))
	}); err != nil {
		t.Fatal(err)
	}
	info, err := f.Invitations.LookUp(ctx, token, "10.0.0.8")
	if err != nil || !info.NeedsEmailCode || info.Clinic != f.Org.Name {
		t.Fatalf("look up: %+v %v", info, err)
	}
	req := invitations.AcceptRequest{Token: token, Password: "Olga's long enough passphrase", EmailCode: "271828",
		DeviceID: "olga-phone", DeviceName: "phone", IP: "10.0.0.8"}
	if _, err := f.Invitations.Accept(ctx, req); ward.ErrorCode(err) != ward.CodeCodeRequired {
		t.Fatalf("a wrong code: %v", err)
	}
	var tries int
	if err := f.Store.Read(ctx, func(tx *store.Tx) error {
		r, err := tx.InvitationByToken(ctx, tokenHash)
		tries = r.CodeTries
		return err
	}); err != nil || tries != 1 {
		t.Fatalf("tries after a wrong code: %d %v", tries, err)
	}
	req.EmailCode = code
	res, err := f.Invitations.Accept(ctx, req)
	if err != nil || res.User.Role != ward.RolePatient || res.User.Email != "olga@example.org" {
		t.Fatalf("accept with the old code: %+v %v", res, err)
	}
}
