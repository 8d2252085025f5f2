package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client sets quiet hours and presence; a colleague sees the
// presence; a bad time zone is refused with invalid_input.
func TestClientNotificationPrefs(t *testing.T) {
	ctx := context.Background()
	_, ana, ben, anaID, _ := startServer(t)
	p, err := ana.NotificationPrefs(ctx)
	if err != nil || !p.NewMessage.Direct || p.Presence != "available" {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	p.QuietHours = &client.QuietHours{From: "22:00", To: "07:00", TimeZone: "Europe/London"}
	p.NewMessage.Group = false
	if p, err = ana.SetNotificationPrefs(ctx, *p); err != nil || p.QuietHours == nil || p.NewMessage.Group {
		t.Fatalf("set: %+v %v", p, err)
	}
	p.QuietHours.TimeZone = "Nowhere/Else"
	if _, err := ana.SetNotificationPrefs(ctx, *p); client.Code(err) != "invalid_input" {
		t.Fatalf("a bad zone: %v", err)
	}
	if err := ana.SetPresence(ctx, "busy"); err != nil {
		t.Fatal(err)
	}
	if got, err := ben.Presence(ctx); err != nil || got[anaID] != "busy" {
		t.Fatalf("presence: %v %v", got, err)
	}
}
