package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// TestPatientTokenReachesOnlyTheirOwn: a patient's token is refused the
// staff directory, patient records (another's or any), care teams and
// conversations they are not in (403 or 404), and no refusal's body
// carries anything of what it guards; their own conversation answers.
func TestPatientTokenReachesOnlyTheirOwn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	doc := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	pat := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	const canary = "PORTALCANARY"

	var rec patientOut
	body := fmt.Sprintf(`{"mrn":"MRN-%s","given_name":"Given%s","family_name":"Family%s","birth_date":"1970-01-02","phone":"+1 555 0199"}`, canary, canary, canary)
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, body, &rec); st != http.StatusCreated {
		t.Fatalf("create record: %d %s", st, code)
	}
	var team struct{ ID string }
	if st, code := e.sendJSON(t, "POST", "/api/v1/teams", admin, `{"name":"Team `+canary+`"}`, &team); st != http.StatusCreated {
		t.Fatalf("create team: %d %s", st, code)
	}
	pDoc, err := e.f.App.Authenticate(ctx, doc, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pNurse, _ := e.f.App.Authenticate(ctx, nurse, "127.0.0.1")
	pPat, _ := e.f.App.Authenticate(ctx, pat, "127.0.0.1")
	staffConv, _, err := e.f.App.CreateConversation(ctx, pDoc, app.NewConversation{Kind: ward.Direct, Members: []string{pNurse.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.f.App.SendMessage(ctx, pDoc, staffConv.ID, app.SendRequest{ClientID: "s1", Body: "staff only " + canary}); err != nil {
		t.Fatal(err)
	}
	own, _, err := e.f.App.CreateConversation(ctx, pDoc, app.NewConversation{Kind: ward.Direct, Members: []string{pPat.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.f.App.SendMessage(ctx, pDoc, own.ID, app.SendRequest{ClientID: "o1", Body: "hello from your care team"}); err != nil {
		t.Fatal(err)
	}

	leaks := []string{canary, "@stmary.example", "A clinician", "A staff", pNurse.User.ID}
	for _, c := range []struct {
		path  string
		codes []int
	}{
		{"/api/v1/users", []int{http.StatusForbidden}},
		{"/api/v1/patients/" + rec.ID, []int{http.StatusForbidden, http.StatusNotFound}},
		{"/api/v1/patients?mrn=MRN-" + canary, []int{http.StatusForbidden, http.StatusNotFound}},
		{"/api/v1/teams", []int{http.StatusForbidden}},
		{"/api/v1/conversations/" + staffConv.ID, []int{http.StatusForbidden, http.StatusNotFound}},
		{"/api/v1/conversations/" + staffConv.ID + "/messages", []int{http.StatusForbidden, http.StatusNotFound}},
		{"/api/v1/admin/devices", []int{http.StatusForbidden}},
		{"/api/v1/audit", []int{http.StatusForbidden}},
	} {
		st, raw := rawGet(t, e, c.path, pat)
		ok := false
		for _, want := range c.codes {
			ok = ok || st == want
		}
		if !ok {
			t.Errorf("patient GET %s: %d, want one of %v", c.path, st, c.codes)
		}
		for _, l := range leaks {
			if strings.Contains(raw, l) {
				t.Errorf("patient GET %s: the answer holds %q: %s", c.path, l, raw)
			}
		}
	}
	// Their own conversation answers; the list holds it alone.
	if st, raw := rawGet(t, e, "/api/v1/conversations/"+own.ID+"/messages", pat); st != http.StatusOK || !strings.Contains(raw, "hello from your care team") {
		t.Errorf("own messages: %d %s", st, raw)
	}
	st, raw := rawGet(t, e, "/api/v1/conversations", pat)
	if st != http.StatusOK || !strings.Contains(raw, own.ID) || strings.Contains(raw, staffConv.ID) || strings.Contains(raw, canary) {
		t.Errorf("patient's conversation list: %d %s", st, raw)
	}
	// Starting a group, or one with another patient, is refused.
	if st, code := e.sendJSON(t, "POST", "/api/v1/conversations", pat,
		fmt.Sprintf(`{"kind":"group","title":"x","members":[%q,%q]}`, pDoc.User.ID, pNurse.User.ID), nil); st != http.StatusForbidden {
		t.Errorf("patient starts a group: %d %s", st, code)
	}
}

func rawGet(t *testing.T, e *env, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
