package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// A device under a wipe order may confirm the wipe and nothing else: not
// even other session routes that share the confirmation's authz action.
func TestWipedDeviceMayOnlyConfirm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	p, err := e.f.App.Authenticate(ctx, token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := e.f.App.Authenticate(ctx, e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin]), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.f.App.ActOnDevice(ctx, admin, p.Device.ID, app.WipeDevice); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ method, path string }{
		{"DELETE", "/api/v1/sessions"}, {"DELETE", "/api/v1/sessions/current"}, {"GET", "/api/v1/me"},
	} {
		if status, code := e.call(t, r.method, r.path, token); status != http.StatusForbidden || code != string(ward.CodeDeviceWiped) {
			t.Errorf("%s %s under a wipe order: %d %s, want 403 device_wiped", r.method, r.path, status, code)
		}
	}
	if status, _ := e.call(t, "POST", "/api/v1/devices/current/wipe-confirmation", token); status != http.StatusNoContent {
		t.Errorf("wipe confirmation: %d, want 204", status)
	}
}
