package httpapi_test

import (
	"testing"

	"github.com/wardhealth/ward"
)

// TestMeNamesTheOrg (issue 22): GET /api/v1/me answers the caller's org,
// its id, slug and name (the clinic's name, not PHI), to every role, a
// guest of a secure message included: the guest's web client titles the
// thread "Secure message from <clinic>" after a reload with it. A user of
// another org sees their own.
func TestMeNamesTheOrg(t *testing.T) {
	e := newEnv(t)
	type me struct {
		User struct{ Role string }
		Org  struct{ ID, Slug, Name string }
	}
	for _, role := range ward.Roles {
		var got me
		if st, code := e.sendJSON(t, "GET", "/api/v1/me", e.roleToken(t, role), "", &got); st != 200 {
			t.Fatalf("%s: %d %s", role, st, code)
		}
		if got.User.Role != string(role) || got.Org.ID != e.f.Org.ID || got.Org.Name != e.f.Org.Name || got.Org.Slug != e.f.Org.Slug || got.Org.Name == "" {
			t.Errorf("%s: %+v, want org %+v", role, got, e.f.Org)
		}
	}
	var other me
	if st, code := e.sendJSON(t, "GET", "/api/v1/me", e.token(t, e.other.Email, e.otherPW), "", &other); st != 200 || other.Org.Name != "Elsewhere" || other.Org.ID != e.other.OrgID {
		t.Errorf("the other org's owner: %d %s %+v", st, code, other)
	}
}
