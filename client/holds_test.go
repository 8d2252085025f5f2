package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client reads the retention overview and the legal holds as the
// owner, who may read but not place one: the server's forbidden comes
// through, and nothing is placed.
func TestClientHolds(t *testing.T) {
	ctx := context.Background()
	base, ana, _, _, _ := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	o, err := owner.Retention(ctx)
	if err != nil || len(o.Policies) != 4 || o.Policies[3].Name != "audit_retention" || o.Policies[3].Setting < 189216000 {
		t.Fatalf("retention: %+v %v", o, err)
	}
	if _, err := owner.PlaceHold(ctx, client.HoldScope{Matter: "M", UserID: "x"}); client.Code(err) != "forbidden" {
		t.Fatalf("the owner places a hold: %v", err)
	}
	hs, err := owner.Holds(ctx)
	if err != nil || len(hs) != 0 {
		t.Fatalf("holds: %+v %v", hs, err)
	}
	if _, err := ana.Holds(ctx); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician lists holds: %v", err)
	}
}
