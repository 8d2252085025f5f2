package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// TestAdminCannotActOnOwner: as for changing or disabling an owner, only
// an owner ends an owner's sessions or locks, wipes or unlocks an owner's
// device; an admin may still do so to other admins, and an owner to admins.
func TestAdminCannotActOnOwner(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ownerTok := e.token(t, e.email[ward.RoleOwner], e.pw[ward.RoleOwner])
	owner, err := e.f.App.Authenticate(ctx, ownerTok, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	adminTok := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	admin, err := e.f.App.Authenticate(ctx, adminTok, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.f.AuditActions(t))
	for _, r := range []struct{ method, path string }{
		{"DELETE", "/api/v1/users/" + owner.User.ID + "/sessions"},
		{"POST", "/api/v1/admin/devices/" + owner.Device.ID + "/lock"},
		{"POST", "/api/v1/admin/devices/" + owner.Device.ID + "/wipe"},
		{"POST", "/api/v1/admin/devices/" + owner.Device.ID + "/unlock"},
	} {
		if st, code := e.call(t, r.method, r.path, adminTok); st != http.StatusForbidden || code != string(ward.CodeForbidden) {
			t.Errorf("admin: %s %s on the owner: %d %s, want 403 forbidden", r.method, r.path, st, code)
		}
	}
	if st, _ := e.call(t, "GET", "/api/v1/me", ownerTok); st != http.StatusOK {
		t.Errorf("the owner's session after the admin's attempts: %d, want 200", st)
	}
	if n := len(e.f.AuditActions(t)); n != before {
		t.Errorf("refused acts on the owner left %d audit events", n-before)
	}
	// Owners act on admins, admins on admins.
	admin2, pw2 := e.f.AddUser(t, ward.RoleAdmin, "admin2@stmary.example", "Second Admin")
	tok2 := e.token(t, admin2.Email, pw2)
	if st, _ := e.call(t, "DELETE", "/api/v1/users/"+admin2.ID+"/sessions", adminTok); st != http.StatusNoContent {
		t.Errorf("admin ends another admin's sessions: %d, want 204", st)
	}
	if st, _ := e.call(t, "GET", "/api/v1/me", tok2); st != http.StatusUnauthorized {
		t.Errorf("the other admin's session after revocation: %d, want 401", st)
	}
	if st, _ := e.call(t, "POST", "/api/v1/admin/devices/"+admin.Device.ID+"/lock", ownerTok); st != http.StatusOK {
		t.Errorf("owner locks an admin's device: %d, want 200", st)
	}
	if st, _ := e.call(t, "POST", "/api/v1/admin/devices/"+owner.Device.ID+"/unlock", ownerTok); st != http.StatusConflict {
		t.Errorf("owner unlocks its own active device: %d, want 409", st)
	}
}

// TestDeviceUnlock: an admin unlocks a locked device, audited, and it can
// sign in again; a wiped device cannot be unlocked.
func TestDeviceUnlock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	adminTok := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	admin, err := e.f.App.Authenticate(ctx, adminTok, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	email, pw := e.email[ward.RoleClinician], e.pw[ward.RoleClinician]
	first, err := e.f.Login(email, pw, "clinician-phone-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dev := first.Device
	again := func() (app.LoginResult, error) {
		return e.f.App.Login(ctx, app.LoginRequest{Email: email, Password: pw, DeviceID: dev.ClientID,
			DeviceSecret: first.DeviceSecret, DeviceName: "test phone", IP: "127.0.0.1"})
	}
	if _, err := e.f.App.ActOnDevice(ctx, admin, dev.ID, app.LockDevice); err != nil {
		t.Fatal(err)
	}
	if _, err := again(); ward.ErrorCode(err) != ward.CodeDeviceLocked {
		t.Fatalf("sign-in on the locked device: %v, want device_locked", err)
	}
	if st, code := e.call(t, "POST", "/api/v1/admin/devices/"+dev.ID+"/unlock", e.token(t, email, pw)); st != http.StatusForbidden {
		t.Errorf("a clinician unlocks a device: %d %s, want 403", st, code)
	}
	st, out := e.send(t, "POST", "/api/v1/admin/devices/"+dev.ID+"/unlock", adminTok, map[string]any{})
	if st != http.StatusOK || out["status"] != string(ward.DeviceActive) {
		t.Fatalf("unlock: %d %v, want 200 active", st, out)
	}
	acts := e.f.AuditActions(t)
	if acts[len(acts)-1] != "device.unlocked" {
		t.Errorf("last audit event %q, want device.unlocked", acts[len(acts)-1])
	}
	res, err := again()
	if err != nil {
		t.Fatalf("sign-in on the unlocked device: %v", err)
	}
	if res.Device.ID != dev.ID {
		t.Errorf("signed in on device %s, want the unlocked %s", res.Device.ID, dev.ID)
	}
	if st, code := e.call(t, "POST", "/api/v1/admin/devices/"+dev.ID+"/unlock", adminTok); st != http.StatusConflict {
		t.Errorf("unlock an active device: %d %s, want 409", st, code)
	}

	// A wiped device stays wiped: locked or not, it is never unlocked.
	if _, err := e.f.App.ActOnDevice(ctx, admin, dev.ID, app.LockDevice); err != nil {
		t.Fatal(err)
	}
	if _, err := e.f.App.ActOnDevice(ctx, admin, dev.ID, app.WipeDevice); err != nil {
		t.Fatal(err)
	}
	if st, code := e.call(t, "POST", "/api/v1/admin/devices/"+dev.ID+"/unlock", adminTok); st != http.StatusConflict || code != string(ward.CodeConflict) {
		t.Errorf("unlock a wiped device: %d %s, want 409 conflict", st, code)
	}
	if _, err := again(); ward.ErrorCode(err) != ward.CodeDeviceWiped {
		t.Errorf("sign-in on the wiped device: %v, want device_wiped", err)
	}
}
