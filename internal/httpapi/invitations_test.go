package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
)

func startInbox(t *testing.T) (*mailtest.Inbox, *mail.Mailer) {
	t.Helper()
	in := mailtest.Start(t)
	m, err := mail.Open(in.URL)
	if err != nil {
		t.Fatal(err)
	}
	return in, m
}

func (e *env) public(t *testing.T, method, path, body string, out any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var p struct{ Code string }
	json.Unmarshal(raw, &p)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return resp.StatusCode, p.Code
}

type invOut struct {
	ID, Status, Channel, Link string
	ExpiresAt                 time.Time `json:"expires_at"`
}

// TestInvitationByEmail (issue 22): a nurse invites a patient by email; the
// test's SMTP server receives a mail that names the clinic and no PHI;
// the link shows the clinic only; the patient asks for the email code,
// reads it from the mail, accepts with a password, is signed in as a
// patient, and can sign in again; the link then is used, the record shows
// an account, a second invitation is account_exists.
func TestInvitationByEmail(t *testing.T) {
	e := newEnv(t)
	in, m := startInbox(t)
	e.f.Invitations.SetMailer(m)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	canary := `{"mrn":"CANARY-MRN-77","given_name":"Canarygiven","family_name":"Canaryfamily","birth_date":"1961-07-13","phone":"+1 555 0177","email":"canary.patient@example.org"}`
	var rec patientOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, canary, &rec); st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, code)
	}
	var inv invOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"email"}`, &inv); st != http.StatusCreated || inv.Link != "" || inv.Status != "pending" {
		t.Fatalf("invite: %d %s %+v", st, code, inv)
	}
	if d := inv.ExpiresAt.Sub(e.f.Clock.Now()); d < 71*time.Hour || d > 73*time.Hour {
		t.Errorf("expires in %v, want 72 h", d)
	}
	body := in.Last(t, "canary.patient@example.org")
	for _, phi := range []string{"Canary", "CANARY", "1961", "0177"} {
		if strings.Contains(body, phi) {
			t.Errorf("the invitation mail holds %q:\n%s", phi, body)
		}
	}
	if !strings.Contains(body, "St Mary") {
		t.Errorf("the mail does not name the clinic:\n%s", body)
	}
	link := regexp.MustCompile(`https?://\S+/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no link in:\n%s", body)
	}
	token := link[1]
	var info map[string]any
	if st, _ := e.public(t, "GET", "/api/v1/invitations/"+token, "", &info); st != 200 || info["clinic"] != "St Mary" || info["needs_email_code"] != true || len(info) != 3 {
		t.Fatalf("look-up: %d %v", st, info)
	}
	accept := `{"password":"a brand new passphrase 1961x","email_code":%q,"device":{"id":"phone-0001","name":"phone"}}`
	if st, code := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, ""), nil); st != 401 || code != string(ward.CodeCodeRequired) {
		t.Fatalf("accept without a code: %d %s", st, code)
	}
	if st, code := e.public(t, "POST", "/api/v1/invitations/"+token+"/email-code", "", nil); st != 202 {
		t.Fatalf("email-code: %d %s", st, code)
	}
	codeMail := in.Last(t, "canary.patient@example.org")
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(codeMail)
	if code == nil || strings.Contains(codeMail, "Canary") {
		t.Fatalf("code mail:\n%s", codeMail)
	}
	wrong := "000000"
	if code[1] == wrong {
		wrong = "111111"
	}
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, wrong), nil); st != 401 || c != string(ward.CodeCodeRequired) {
		t.Fatalf("a wrong code: %d %s", st, c)
	}
	var signed struct {
		Token        string
		DeviceSecret string `json:"device_secret"`
		User         struct{ Role, Email, Name string }
	}
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, code[1]), &signed); st != 201 || signed.Token == "" || signed.DeviceSecret == "" {
		t.Fatalf("accept: %d %s %+v", st, c, signed)
	}
	if signed.User.Role != "patient" || signed.User.Email != "canary.patient@example.org" || signed.User.Name != "Canarygiven Canaryfamily" {
		t.Errorf("the new user: %+v", signed.User)
	}
	var me map[string]any
	if st, _ := e.sendJSON(t, "GET", "/api/v1/me", signed.Token, "", &me); st != 200 {
		t.Errorf("the patient's session: %d", st)
	}
	// The new session may enrol a passkey at once (the issue prefers one).
	if st, c := e.sendJSON(t, "POST", "/api/v1/mfa/webauthn", signed.Token, "", nil); st != 201 {
		t.Errorf("passkey enrolment from the accept session: %d %s", st, c)
	}
	if tok := e.token(t, "canary.patient@example.org", "a brand new passphrase 1961x"); tok == "" {
		t.Error("the patient cannot sign in with their password")
	}
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, code[1]), nil); st != 410 || c != string(ward.CodeInvitationUsed) {
		t.Errorf("a reused link: %d %s, want 410 invitation_used", st, c)
	}
	var after struct {
		HasAccount bool `json:"has_account"`
	}
	if e.sendJSON(t, "GET", "/api/v1/patients/"+rec.ID, nurse, "", &after); !after.HasAccount {
		t.Error("the record does not show its account")
	}
	var list struct{ Invitations []invOut }
	if e.sendJSON(t, "GET", "/api/v1/patients/"+rec.ID+"/invitations", nurse, "", &list); len(list.Invitations) != 1 || list.Invitations[0].Status != "accepted" {
		t.Errorf("list: %+v", list)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"link"}`, nil); st != 409 || c != string(ward.CodeAccountExists) {
		t.Errorf("inviting a patient with an account: %d %s", st, c)
	}
}

// TestInvitationByLink: a link invitation answers its link once; a resend
// kills the old link; revoke kills the new one; an expired link is 410
// invitation_expired; an email that has an account is account_exists; a
// deactivated record is a conflict; nothing is made by any of them.
func TestInvitationByLink(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	var rec patientOut
	e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &rec)
	var inv invOut
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"link"}`, &inv); st != 201 || !strings.Contains(inv.Link, "/invite/") {
		t.Fatalf("invite: %d %s %+v", st, c, inv)
	}
	old := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
	// Only the token's hash is stored.
	snap, err := e.f.Store.Snapshot(context.Background(), "patient_invitations")
	if err != nil || !strings.Contains(snap, inv.ID) || strings.Contains(snap, old) {
		t.Errorf("the stored invitation holds its token (or is missing): %v", err)
	}
	var info map[string]any
	if st, _ := e.public(t, "GET", "/api/v1/invitations/"+old, "", &info); st != 200 || info["needs_email_code"] != false {
		t.Fatalf("look-up: %d %v", st, info)
	}
	var re invOut
	if st, _ := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations/"+inv.ID+"/resend", nurse, "", &re); st != 200 || re.Link == "" || re.Link == inv.Link {
		t.Fatalf("resend: %d %+v", st, re)
	}
	if st, c := e.public(t, "GET", "/api/v1/invitations/"+old, "", nil); st != 404 || c != string(ward.CodeNotFound) {
		t.Errorf("the link before a resend: %d %s", st, c)
	}
	fresh := re.Link[strings.LastIndex(re.Link, "/")+1:]
	if st, _ := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations/"+inv.ID+"/revoke", nurse, "", nil); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	accept := `{"password":"a brand new passphrase 1980x","device":{"id":"phone-0002","name":"phone"}}`
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+fresh+"/accept", accept, nil); st != 410 || c != string(ward.CodeInvitationUsed) {
		t.Errorf("a revoked link: %d %s", st, c)
	}
	var third invOut
	e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"link"}`, &third)
	e.f.Clock.Advance(73 * time.Hour)
	tok := third.Link[strings.LastIndex(third.Link, "/")+1:]
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+tok+"/accept", accept, nil); st != 410 || c != string(ward.CodeInvitationExpired) {
		t.Errorf("an expired link: %d %s", st, c)
	}
	nurse = e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	var list struct{ Invitations []invOut }
	e.sendJSON(t, "GET", "/api/v1/patients/"+rec.ID+"/invitations", nurse, "", &list)
	if len(list.Invitations) != 2 || list.Invitations[0].Status != "expired" || list.Invitations[1].Status != "revoked" {
		t.Errorf("list: %+v", list.Invitations)
	}
	taken := strings.Replace(strings.Replace(janeJSON, "MRN-0001", "MRN-0002", 1), "jane@example.org", e.email[ward.RoleClinician], 1)
	var rec2 patientOut
	e.sendJSON(t, "POST", "/api/v1/patients", nurse, taken, &rec2)
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+rec2.ID+"/invitations", nurse, `{"channel":"link"}`, nil); st != 409 || c != string(ward.CodeAccountExists) {
		t.Errorf("an email with an account: %d %s", st, c)
	}
	e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/deactivate", nurse, "", nil)
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"link"}`, nil); st != 409 || c != string(ward.CodeConflict) {
		t.Errorf("a deactivated record: %d %s", st, c)
	}
}

// TestInvitationThrottled: guesses at tokens and codes are throttled per
// token (and per address): after a few failures the link answers 429
// rate_limited, even with the right code.
func TestInvitationThrottled(t *testing.T) {
	e := newEnv(t)
	in, m := startInbox(t)
	e.f.Invitations.SetMailer(m)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	var rec patientOut
	e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &rec)
	var inv invOut
	if st, _ := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"email"}`, &inv); st != 201 {
		t.Fatalf("invite: %d", st)
	}
	// A resend by email kills the first link and mails a new one.
	first := regexp.MustCompile(`/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(in.Last(t, "jane@example.org"))[1]
	if st, _ := e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations/"+inv.ID+"/resend", nurse, "", nil); st != 200 {
		t.Fatalf("resend: %d", st)
	}
	token := regexp.MustCompile(`/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(in.Last(t, "jane@example.org"))[1]
	if token == first {
		t.Fatal("the resend mailed the same link")
	}
	if st, c := e.public(t, "GET", "/api/v1/invitations/"+first, "", nil); st != 404 {
		t.Errorf("the first link after a resend: %d %s", st, c)
	}
	if st, _ := e.public(t, "POST", "/api/v1/invitations/"+token+"/email-code", "", nil); st != 202 {
		t.Fatalf("email-code: %d", st)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(in.Last(t, "jane@example.org"))[1]
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	accept := `{"password":"a brand new passphrase 1980x","email_code":%q,"device":{"id":"phone-0003","name":"phone"}}`
	limited := false
	for i := 0; i < 12 && !limited; i++ {
		st, c := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, wrong), nil)
		limited = st == http.StatusTooManyRequests && c == string(ward.CodeRateLimited)
	}
	if !limited {
		t.Fatal("wrong codes were never throttled")
	}
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, code), nil); st != http.StatusTooManyRequests {
		t.Errorf("the right code while throttled: %d %s, want 429", st, c)
	}
	e.f.Clock.Advance(20 * time.Minute) // the throttle's lock ends; the code (5 tries, 10 minutes) is dead
	if st, c := e.public(t, "POST", "/api/v1/invitations/"+token+"/accept", fmt.Sprintf(accept, code), nil); st != 401 || c != string(ward.CodeCodeRequired) {
		t.Errorf("the code after too many tries: %d %s, want 401 email_code_required", st, c)
	}
}

// TestInvitationTTLFromPolicy: the org policy's invitation_ttl sets how
// long a new link works.
func TestInvitationTTLFromPolicy(t *testing.T) {
	e := newEnv(t)
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	var pol map[string]any
	if st, _ := e.sendJSON(t, "GET", "/api/v1/policy", admin, "", &pol); st != 200 || pol["invitation_ttl"] != float64(72*3600) {
		t.Fatalf("policy: %d %v", st, pol["invitation_ttl"])
	}
	pol["invitation_ttl"] = 3600
	b, _ := json.Marshal(pol)
	if st, c := e.sendJSON(t, "PUT", "/api/v1/policy", admin, string(b), nil); st != 200 {
		t.Fatalf("put policy: %d %s", st, c)
	}
	pol["invitation_ttl"] = 60
	b, _ = json.Marshal(pol)
	if st, c := e.sendJSON(t, "PUT", "/api/v1/policy", admin, string(b), nil); st != 400 || c != string(ward.CodeInvalid) {
		t.Errorf("invitation_ttl 60: %d %s", st, c)
	}
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	var rec patientOut
	e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &rec)
	var inv invOut
	e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"link"}`, &inv)
	if d := inv.ExpiresAt.Sub(e.f.Clock.Now()); d != time.Hour {
		t.Errorf("expires in %v, want 1 h", d)
	}
}

// TestInvitationAcceptedOnce: two acceptances of one link at once make one
// account; the other is refused with a stable code.
func TestInvitationAcceptedOnce(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	var rec patientOut
	e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &rec)
	var inv invOut
	e.sendJSON(t, "POST", "/api/v1/patients/"+rec.ID+"/invitations", nurse, `{"channel":"link"}`, &inv)
	tok := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
	type answer struct {
		st   int
		code string
	}
	got := make(chan answer, 2)
	for i := range 2 {
		go func() {
			body := fmt.Sprintf(`{"password":"a brand new passphrase 1980x","device":{"id":"race-device-%d","name":"phone"}}`, i)
			st, c := e.public(t, "POST", "/api/v1/invitations/"+tok+"/accept", body, nil)
			got <- answer{st, c}
		}()
	}
	a, b := <-got, <-got
	if a.st == 201 {
		a, b = b, a
	}
	if b.st != 201 || (a.code != string(ward.CodeInvitationUsed) && a.code != string(ward.CodeAccountExists)) {
		t.Errorf("two acceptances: %+v %+v, want one 201 and one invitation_used or account_exists", a, b)
	}
}
