package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/auth"
)

// newApprovalEnv is an env whose org asks an admin to approve new devices
// (and no second factor), with its owner signed in.
func newApprovalEnv(t *testing.T) (*env, *app.Principal) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	owner, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-1")
	pol, err := e.f.App.Policy(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	pol.DeviceApproval, pol.MFARequired = true, false
	if _, err := e.f.App.UpdatePolicy(ctx, owner, pol); err != nil {
		t.Fatal(err)
	}
	return e, owner
}

// TestDeviceSecretRequired: a device is bound to the secret the server
// issued at its first sign-in. Reusing an approved device's client id
// without that secret (or with a wrong one) is a new device, pending
// approval, never the approved one.
func TestDeviceSecretRequired(t *testing.T) {
	e, owner := newApprovalEnv(t)
	ctx := context.Background()
	email, pw := e.email[ward.RoleClinician], e.pw[ward.RoleClinician]
	signIn := func(clientID, secret string) (int, map[string]any) {
		t.Helper()
		dev := map[string]any{"id": clientID, "name": "Nina's phone"}
		if secret != "" {
			dev["secret"] = secret
		}
		return e.send(t, "POST", "/api/v1/sessions", "", map[string]any{"email": email, "password": pw, "device": dev})
	}

	// First sign-in: a new device, pending, with its secret issued once.
	st, out := signIn("nina-phone-0001", "")
	secret, _ := out["device_secret"].(string)
	if st != http.StatusForbidden || out["code"] != string(ward.CodeDevicePending) || !strings.HasPrefix(secret, auth.DeviceSecretPrefix) {
		t.Fatalf("first sign-in: %d %v, want 403 device_pending with a device_secret", st, out)
	}
	devs, err := e.f.App.Devices(ctx, owner, true)
	if err != nil {
		t.Fatal(err)
	}
	var approved ward.Device
	for _, d := range devs {
		if d.ClientID == "nina-phone-0001" {
			approved = d
		}
	}
	if _, err := e.f.App.ActOnDevice(ctx, owner, approved.ID, app.ApproveDevice); err != nil {
		t.Fatal(err)
	}

	// The copied id, without the secret or with a wrong one: a new pending
	// device each time, no session.
	_, other := auth.NewDeviceSecret()
	for _, bad := range []string{"", other[:20], "ward_d_" + strings.Repeat("A", 43), secret + "x"} {
		st, out := signIn("nina-phone-0001", bad)
		if st != http.StatusForbidden || out["code"] != string(ward.CodeDevicePending) || out["token"] != nil {
			t.Errorf("copied id with secret %q: %d %v, want 403 device_pending", bad, st, out)
		}
		if s, _ := out["device_secret"].(string); s == "" || s == secret {
			t.Errorf("copied id: device_secret %q, want a new device's own", s)
		}
	}

	// The device with its secret: the approved device, and no new secret.
	st, out = signIn("nina-phone-0001", secret)
	dv, _ := out["device"].(map[string]any)
	if st != http.StatusCreated || out["token"] == "" || dv["id"] != approved.ID {
		t.Fatalf("the approved device with its secret: %d %v, want 201 on device %s", st, out, approved.ID)
	}
	if _, ok := out["device_secret"]; ok {
		t.Errorf("a known device got a new secret: %v", out["device_secret"])
	}
	// Another device's secret does not carry over to this id.
	st, _ = signIn("nina-tablet-001", secret)
	if st != http.StatusForbidden {
		t.Errorf("another client id with this device's secret: %d, want 403 (a new, pending device)", st)
	}
	devs, _ = e.f.App.Devices(ctx, owner, true)
	pending := 0
	for _, d := range devs {
		if d.ClientID == "nina-phone-0001" && d.ID != approved.ID {
			if d.Status != ward.DevicePending {
				t.Errorf("impostor device %s is %s, want pending", d.ID, d.Status)
			}
			pending++
		}
	}
	if pending != 4 {
		t.Errorf("%d pending devices with the copied id, want 4", pending)
	}

	// A locked device's id, copied, does not get round the lock either way:
	// without the secret it is a new device (pending), with it, locked.
	if _, err := e.f.App.ActOnDevice(ctx, owner, approved.ID, app.LockDevice); err != nil {
		t.Fatal(err)
	}
	if st, out := signIn("nina-phone-0001", secret); out["code"] != string(ward.CodeDeviceLocked) {
		t.Errorf("the locked device with its secret: %d %v, want device_locked", st, out)
	}
	if st, out := signIn("nina-phone-0001", ""); out["code"] != string(ward.CodeDevicePending) {
		t.Errorf("the locked device's id without its secret: %d %v, want device_pending", st, out)
	}
}

// TestDeviceSecretAfterEmailChange: an admin changes a clinician's email
// (a marriage, a hospital's new domain). The browser keeps the device's
// secret under the old email; at the first sign-in with the new one it
// sends it among device.other_secrets, and the approved device is found:
// no new device waiting for approval, and its secret comes back to keep
// under the new email. Secrets of no device of this account do not find
// one, and too many or too long other secrets are refused, creating
// nothing.
func TestDeviceSecretAfterEmailChange(t *testing.T) {
	e, owner := newApprovalEnv(t)
	ctx := context.Background()
	email, pw := e.email[ward.RoleClinician], e.pw[ward.RoleClinician]
	signIn := func(email, secret string, others ...string) (int, map[string]any) {
		t.Helper()
		dev := map[string]any{"id": "nina-phone-0001", "name": "Nina's phone"}
		if secret != "" {
			dev["secret"] = secret
		}
		if others != nil {
			dev["other_secrets"] = others
		}
		return e.send(t, "POST", "/api/v1/sessions", "", map[string]any{"email": email, "password": pw, "device": dev})
	}
	_, out := signIn(email, "")
	secret, _ := out["device_secret"].(string)
	devices := func() []ward.Device {
		t.Helper()
		devs, err := e.f.App.Devices(ctx, owner, true)
		if err != nil {
			t.Fatal(err)
		}
		var mine []ward.Device
		for _, d := range devs {
			if d.ClientID == "nina-phone-0001" {
				mine = append(mine, d)
			}
		}
		return mine
	}
	phone := devices()
	if secret == "" || len(phone) != 1 {
		t.Fatalf("first sign-in: %v, %d devices", out, len(phone))
	}
	if _, err := e.f.App.ActOnDevice(ctx, owner, phone[0].ID, app.ApproveDevice); err != nil {
		t.Fatal(err)
	}
	newEmail := "nina.new@stmary.example"
	if _, err := e.f.App.UpdateUser(ctx, owner, phone[0].UserID, app.UserChange{Email: &newEmail}); err != nil {
		t.Fatal(err)
	}

	// Refused before anything is looked up: nine other secrets, or one too long.
	nine := make([]string, app.MaxOtherDeviceSecrets+1)
	for i := range nine {
		_, nine[i] = auth.NewDeviceSecret()
	}
	for name, others := range map[string][]string{"nine": nine, "too long": {strings.Repeat("s", 129)}} {
		if st, out := signIn(newEmail, "", others...); st != http.StatusBadRequest || out["code"] != string(ward.CodeInvalid) {
			t.Errorf("%s other secrets: %d %v, want 400 invalid", name, st, out)
		}
	}
	if n := len(devices()); n != 1 {
		t.Fatalf("refused sign-ins left %d devices, want 1", n)
	}

	// The old email's secret, among others that match nothing: the approved
	// device, its secret handed back for the new email.
	_, stranger := auth.NewDeviceSecret()
	st, out := signIn(newEmail, "", stranger, secret)
	dv, _ := out["device"].(map[string]any)
	if st != http.StatusCreated || dv["id"] != phone[0].ID || out["device_secret"] != secret {
		t.Fatalf("new email with the old email's secret: %d %v, want 201 on device %s with its secret back", st, out, phone[0].ID)
	}
	// Kept under the new email, it is the device's secret as before.
	if st, out := signIn(newEmail, secret); st != http.StatusCreated || out["device_secret"] != nil {
		t.Errorf("new email with the device's secret: %d %v, want 201 and no secret", st, out)
	}
	// Secrets of no device of this account find none: a new device, pending.
	if st, out := signIn(newEmail, "", stranger); st != http.StatusForbidden || out["code"] != string(ward.CodeDevicePending) || out["device_secret"] == stranger {
		t.Errorf("new email with a stranger's secret: %d %v, want 403 device_pending with a new secret", st, out)
	}
	if n := len(devices()); n != 2 {
		t.Errorf("%d devices with the id, want the approved one and one pending", n)
	}
}
