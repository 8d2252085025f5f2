package sso_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/sso"
)

// The same sign-in and provisioning on PostgreSQL (WARD_TEST_POSTGRES).
func TestSSOOnPostgres(t *testing.T) {
	h := harnessOver(t, apptest.NewPostgres(t, false))
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)
	first := h.signInFully(t)
	if again := h.signInFully(t); again["id"] != first["id"] || first["role"] != "clinician" {
		t.Errorf("sign-ins: %v then %v", first, again)
	}
	tok := h.scimToken(t)
	st, u := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("pg.person@stmary.example", "Pg", nil))
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, u)
	}
	id := u["id"].(string)
	if st, r := h.scim(t, tok, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "replace", "path": "active", "value": false})); st != 200 || r["active"] != false {
		t.Errorf("disable: %d %v", st, r)
	}
	if st, _ := h.scim(t, tok, "DELETE", "/scim/v2/Users/"+id, nil); st != http.StatusNoContent {
		t.Errorf("delete: %d", st)
	}
	q := url.Values{"filter": {`externalId eq "ext-Pg"`}}
	if _, l := h.scim(t, tok, "GET", "/scim/v2/Users?"+q.Encode(), nil); l["totalResults"] != float64(0) {
		t.Errorf("a deleted user is listed: %v", l)
	}
}
