package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/wardhealth/ward"
)

type notificationsBody struct {
	NewMessage struct{ Direct, Group bool } `json:"new_message"`
	QuietHours *struct {
		From, To string
		TimeZone string `json:"time_zone"`
	} `json:"quiet_hours"`
	DNDUntil *string `json:"dnd_until"`
	Presence string  `json:"presence"`
}

// TestNotificationPreferences: GET the defaults; PUT changes only what it
// gives (null clears); a bad zone, a bad time or a past dnd_until is 400
// invalid_input and changes nothing; presence by PUT /me/presence shows in
// GET /presence for staff.
func TestNotificationPreferences(t *testing.T) {
	e := newEnv(t)
	nurse, doc := e.roleToken(t, ward.RoleStaff), e.roleToken(t, ward.RoleClinician)
	var got notificationsBody
	if status, code := e.sendJSON(t, "GET", "/api/v1/me/notifications", nurse, "", &got); status != http.StatusOK || !got.NewMessage.Group || got.Presence != "available" {
		t.Fatalf("defaults: %d %s %+v", status, code, got)
	}
	body := `{"new_message":{"direct":true,"group":false,"team_inbox":true},"quiet_hours":{"from":"22:00","to":"07:00","time_zone":"Europe/London"},"dnd_until":"2026-11-24T20:00:00Z"}`
	if status, code := e.sendJSON(t, "PUT", "/api/v1/me/notifications", nurse, body, &got); status != http.StatusOK ||
		got.NewMessage.Group || got.QuietHours == nil || got.QuietHours.TimeZone != "Europe/London" || got.DNDUntil == nil {
		t.Fatalf("put: %d %s %+v", status, code, got)
	}
	for name, bad := range map[string]string{
		"bad zone":      `{"quiet_hours":{"from":"22:00","to":"07:00","time_zone":"Europe/Atlantis"}}`,
		"bad time":      `{"quiet_hours":{"from":"25:00","to":"07:00","time_zone":"UTC"}}`,
		"past dnd":      `{"dnd_until":"2020-01-01T00:00:00Z"}`,
		"not a time":    `{"dnd_until":"tonight"}`,
		"bad presence":  `{"presence":"away"}`,
		"unknown field": `{"quiet_hours":{"from":"22:00","to":"07:00","time_zone":"UTC","days":1}}`,
	} {
		if status, code := e.sendJSON(t, "PUT", "/api/v1/me/notifications", nurse, bad, nil); status != http.StatusBadRequest || code != string(ward.CodeInvalid) {
			t.Errorf("%s: %d %s, want 400 invalid_input", name, status, code)
		}
	}
	// Only presence: the rest stays; then null clears quiet hours.
	e.sendJSON(t, "PUT", "/api/v1/me/notifications", nurse, `{"presence":"busy"}`, &got)
	if got.QuietHours == nil || got.QuietHours.TimeZone != "Europe/London" || got.NewMessage.Group || got.Presence != "busy" {
		t.Fatalf("after bad input and a presence change: %+v", got)
	}
	e.sendJSON(t, "PUT", "/api/v1/me/notifications", nurse, `{"quiet_hours":null,"dnd_until":null}`, &got)
	if got.QuietHours != nil || got.DNDUntil != nil || got.Presence != "busy" {
		t.Fatalf("after null: %+v", got)
	}
	if status, _ := e.sendJSON(t, "PUT", "/api/v1/me/presence", nurse, `{"presence":"off_duty"}`, nil); status != http.StatusOK {
		t.Fatalf("put presence: %d", status)
	}
	var dir struct{ Users map[string]string }
	if status, _ := e.sendJSON(t, "GET", "/api/v1/presence", doc, "", &dir); status != http.StatusOK || dir.Users[e.userOf(t, nurse)] != "off_duty" || len(dir.Users) != 1 {
		t.Fatalf("presence: %d %+v", status, dir)
	}
	if status, code := e.sendJSON(t, "GET", "/api/v1/presence", e.roleToken(t, ward.RolePatient), "", nil); status != http.StatusForbidden {
		t.Errorf("a patient reads presence: %d %s", status, code)
	}
}
