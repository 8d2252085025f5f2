package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client sets and reads the org's OpenID Connect provider and
// issues and revokes its SCIM token as the owner; a clinician may not.
func TestClientSSOAdmin(t *testing.T) {
	ctx := context.Background()
	base, ana, _, _, _ := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.OIDCConfig(ctx); client.Code(err) != "sso_not_configured" {
		t.Fatalf("before: %v", err)
	}
	set, err := owner.SetOIDCConfig(ctx, client.OIDCConfig{Enabled: true, Issuer: "https://idp.example.org", ClientID: "ward",
		ClientSecret: "s3cret", Label: "Okta", RoleMap: map[string]string{"ward-clinicians": "clinician"}})
	if err != nil || !set.SecretSet || set.ClientSecret != "" || !strings.HasSuffix(set.RedirectURI, "/api/v1/sso/callback") {
		t.Fatalf("set: %+v %v", set, err)
	}
	got, err := owner.OIDCConfig(ctx)
	if err != nil || got.RoleMap["ward-clinicians"] != "clinician" || got.Label != "Okta" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	tok, url, err := owner.IssueSCIMToken(ctx)
	if err != nil || !strings.HasPrefix(tok, "ward_scim_") || !strings.HasSuffix(url, "/scim/v2") {
		t.Fatalf("SCIM token: %q %q %v", tok, url, err)
	}
	if err := owner.RevokeSCIMToken(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.OIDCConfig(ctx); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician reads the provider: %v", err)
	}
}
