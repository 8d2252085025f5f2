package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// roleToken signs in as role; a guest gets their session the only way
// there is, through a secure message's link and its mailed code.
func (e *env) roleToken(t *testing.T, role ward.Role) string {
	t.Helper()
	if role != ward.RoleGuest {
		return e.token(t, e.email[role], e.pw[role])
	}
	tok, _ := e.guestToken(t, e.email[ward.RoleGuest])
	return tok
}

type sentOut struct {
	ConversationID string `json:"conversation_id"`
	Message        struct {
		ID, Body string
	}
	Recipient outOut
}

type outOut struct {
	ID             string
	ConversationID string `json:"conversation_id"`
	Status         string
	ExpiresAt      time.Time `json:"expires_at"`
}

var linkRe = regexp.MustCompile(`/outside/([A-Za-z0-9_-]+)`)

// writeOutside sends a secure message as the clinician and returns the
// answer and the token of the link the test's SMTP server received.
func (e *env) writeOutside(t *testing.T, staff, to, body string) (sentOut, string) {
	t.Helper()
	var s sentOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/outside-messages", staff, fmt.Sprintf(`{"email":%q,"body":%q}`, strings.ToUpper(to[:1])+to[1:], body), &s); st != http.StatusCreated {
		t.Fatalf("send to %s: %d %s", to, st, code)
	}
	m := linkRe.FindStringSubmatch(e.inbox.Last(t, to))
	if m == nil {
		t.Fatalf("no link in the mail to %s", to)
	}
	return s, m[1]
}

// codeFor asks for a link's code and reads it from the mail.
func (e *env) codeFor(t *testing.T, to, token string) string {
	t.Helper()
	if st, code := e.public(t, "POST", "/api/v1/outside/"+token+"/email-code", "", nil); st != http.StatusAccepted {
		t.Fatalf("email-code: %d %s", st, code)
	}
	m := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(e.inbox.Last(t, to))
	if m == nil {
		t.Fatal("no code in the mail")
	}
	return m[1]
}

func (e *env) openLink(t *testing.T, token, code string) (int, string, string) {
	t.Helper()
	e.device++
	var out struct{ Token string }
	st, c := e.public(t, "POST", "/api/v1/outside/"+token+"/open",
		fmt.Sprintf(`{"email_code":%q,"device":{"id":"guest-device-%04d","name":"browser"}}`, code, e.device), &out)
	return st, c, out.Token
}

// guestToken writes to addr as the clinician and opens the link: the
// guest's session token and the thread's conversation id.
func (e *env) guestToken(t *testing.T, addr string) (string, string) {
	t.Helper()
	staff := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	s, link := e.writeOutside(t, staff, addr, "route walk")
	st, code, tok := e.openLink(t, link, e.codeFor(t, addr, link))
	if st != http.StatusCreated || tok == "" {
		t.Fatalf("open: %d %s", st, code)
	}
	return tok, s.ConversationID
}

// TestOutsideMessage (issue 22): a clinician writes to an address with no
// account; the test's SMTP server receives a mail that holds the clinic's
// name and a link, not the message, nor the sender; the link shows the
// clinic; the code comes by mail; the guest opens the thread, reads the
// message and replies; the sender sees sent, then opened, then replied.
// The link works once; a wrong code is refused; the guest's session ends
// with the policy's outside_access.
func TestOutsideMessage(t *testing.T) {
	e := newEnv(t)
	staff := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	const secret = "Biopsy result CANARYOUTSIDE for the referral"
	s, link := e.writeOutside(t, staff, "dr.who@referrer.example", secret)
	if s.ConversationID == "" || s.Message.Body != secret || s.Recipient.Status != "sent" {
		t.Fatalf("sent: %+v", s)
	}
	mail := e.inbox.Last(t, "dr.who@referrer.example")
	mail = strings.ReplaceAll(mail, "\r\n", "\n")
	if i := strings.Index(mail, "\n\n"); i > 0 { // the body, after the headers (To: names the address)
		mail = mail[i:]
	}
	for _, leak := range []string{"CANARYOUTSIDE", "Biopsy", "A clinician", "clinician@", "dr.who"} {
		if strings.Contains(mail, leak) {
			t.Errorf("the mail holds %q:\n%s", leak, mail)
		}
	}
	if !strings.Contains(mail, "St Mary") {
		t.Errorf("the mail does not name the clinic:\n%s", mail)
	}
	status := func(want string) {
		t.Helper()
		var l struct {
			Outside []outOut `json:"outside_messages"`
		}
		if st, code := e.sendJSON(t, "GET", "/api/v1/outside-messages?conversation_id="+s.ConversationID, staff, "", &l); st != 200 || len(l.Outside) != 1 || l.Outside[0].Status != want {
			t.Fatalf("status: %d %s %+v, want %s", st, code, l.Outside, want)
		}
	}
	status("sent")

	var info struct{ Clinic string }
	if st, code := e.public(t, "GET", "/api/v1/outside/"+link, "", &info); st != 200 || !strings.HasPrefix(info.Clinic, "St Mary") {
		t.Fatalf("look-up: %d %s %+v", st, code, info)
	}
	if st, code, _ := e.openLink(t, link, "000000"); st != http.StatusUnauthorized || code != string(ward.CodeCodeRequired) {
		t.Errorf("open without a code sent: %d %s", st, code)
	}
	code := e.codeFor(t, "dr.who@referrer.example", link)
	wrong := "999999"
	if code == wrong {
		wrong = "999998"
	}
	if st, c, _ := e.openLink(t, link, wrong); st != http.StatusUnauthorized || c != string(ward.CodeCodeRequired) {
		t.Errorf("a wrong code: %d %s", st, c)
	}
	st, c, guest := e.openLink(t, link, code)
	if st != http.StatusCreated || guest == "" {
		t.Fatalf("open: %d %s", st, c)
	}
	if st, c, _ := e.openLink(t, link, code); st != http.StatusGone || c != string(ward.CodeLinkUsed) {
		t.Errorf("the link again: %d %s, want 410 link_used", st, c)
	}
	if st, c := e.public(t, "GET", "/api/v1/outside/"+link, "", nil); st != http.StatusGone || c != string(ward.CodeLinkUsed) {
		t.Errorf("look-up of a used link: %d %s", st, c)
	}
	status("opened")
	if evs := eventsOf(t, e.f, audit.OutsideOpened, e.userOf(t, guest)); len(evs) != 1 {
		t.Errorf("outside.opened events: %d", len(evs))
	}

	// The guest reads the thread and replies, through the ordinary routes.
	var msgs struct {
		Messages []struct{ Body, SenderID string }
	}
	if st, c := e.sendJSON(t, "GET", "/api/v1/conversations/"+s.ConversationID+"/messages", guest, "", &msgs); st != 200 || len(msgs.Messages) != 1 || msgs.Messages[0].Body != secret {
		t.Fatalf("the guest reads: %d %s %+v", st, c, msgs)
	}
	var list struct{ Conversations []struct{ ID string } }
	if st, _ := e.sendJSON(t, "GET", "/api/v1/conversations", guest, "", &list); st != 200 || len(list.Conversations) != 1 || list.Conversations[0].ID != s.ConversationID {
		t.Errorf("the guest's conversations: %+v", list)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations/"+s.ConversationID+"/messages", guest, `{"client_id":"g1","body":"Thanks, received"}`, nil); st != http.StatusCreated {
		t.Fatalf("the guest replies: %d %s", st, c)
	}
	status("replied")
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations/"+s.ConversationID+"/messages", guest, `{"client_id":"g2","body":"x","priority":"urgent"}`, nil); st != http.StatusForbidden {
		t.Errorf("a guest's urgent message: %d %s", st, c)
	}

	// A second message continues the thread with a new link; the guest's
	// session ends with outside_access (72 hours by default).
	var s2 sentOut
	if st, c := e.sendJSON(t, "POST", "/api/v1/outside-messages", staff, `{"conversation_id":"`+s.ConversationID+`","body":"one more"}`, &s2); st != 201 || s2.ConversationID != s.ConversationID || s2.Recipient.Status != "sent" {
		t.Fatalf("continue: %d %s %+v", st, c, s2)
	}
	link2 := linkRe.FindStringSubmatch(e.inbox.Last(t, "dr.who@referrer.example"))[1]
	if link2 == link {
		t.Fatal("the same link twice")
	}
	e.f.Clock.Advance(72*time.Hour + time.Minute)
	if st, c := e.sendJSON(t, "GET", "/api/v1/conversations", guest, "", nil); st != http.StatusUnauthorized {
		t.Errorf("the guest after outside_access: %d %s, want 401", st, c)
	}
	if st, c := e.public(t, "POST", "/api/v1/outside/"+link2+"/email-code", "", nil); st != http.StatusGone || c != string(ward.CodeLinkExpired) {
		t.Errorf("an expired link: %d %s, want 410 link_expired", st, c)
	}
	if st, c := e.public(t, "GET", "/api/v1/outside/nothing-at-all", "", nil); st != http.StatusNotFound || c != string(ward.CodeNotFound) {
		t.Errorf("an unknown link: %d %s", st, c)
	}
}

// TestOutsideMessageBadInput: bad input is refused with a stable code, and
// nothing is stored and nothing mailed.
func TestOutsideMessageBadInput(t *testing.T) {
	e := newEnv(t)
	staff := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	for _, tc := range []struct{ body, code string }{
		{`{"email":"not an address","body":"hi"}`, "invalid_input"},
		{`{"email":"a@b.example","body":""}`, "invalid_input"},
		{`{"body":"hi"}`, "invalid_input"},
		{`{"email":"a@b.example","body":"hi","attachment_ids":["x"]}`, "invalid_input"},
		{`{"email":"` + e.email[ward.RoleStaff] + `","body":"hi"}`, "account_exists"},
		{`{"email":"` + e.email[ward.RolePatient] + `","body":"hi"}`, "account_exists"},
		{`{"conversation_id":"01a20fde-0000-7000-8000-000000000000","body":"hi"}`, "not_found"},
		{`{"email":"a@b.example","body":"hi","extra":1}`, "invalid_input"},
	} {
		if st, code := e.sendJSON(t, "POST", "/api/v1/outside-messages", staff, tc.body, nil); code != tc.code || st < 400 {
			t.Errorf("%s: %d %s, want %s", tc.body, st, code, tc.code)
		}
	}
	if n := len(e.inbox.All()); n != 0 {
		t.Errorf("%d mails sent for bad input", n)
	}
	var l struct {
		Outside []outOut `json:"outside_messages"`
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/outside-messages", staff, "", &l); st != 200 || len(l.Outside) != 0 {
		t.Errorf("stored: %+v", l)
	}
	// A guest is no member of anything else: staff cannot add one by hand.
	_, conv := e.guestToken(t, "walk@outside.example")
	var thread struct {
		Members []struct {
			UserID string `json:"user_id"`
		}
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/conversations/"+conv, staff, "", &thread); st != 200 || len(thread.Members) != 2 {
		t.Fatalf("thread: %+v", thread)
	}
	guestID := thread.Members[0].UserID
	if guestID == e.userOf(t, staff) {
		guestID = thread.Members[1].UserID
	}
	if st, code := e.sendJSON(t, "POST", "/api/v1/conversations", staff, `{"kind":"group","title":"g","members":["`+guestID+`"]}`, nil); st != 400 || code != "invalid_input" {
		t.Errorf("a group with the guest: %d %s", st, code)
	}
	// Another clinician cannot continue someone else's thread.
	other := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	if st, code := e.sendJSON(t, "POST", "/api/v1/outside-messages", other, `{"conversation_id":"`+conv+`","body":"hi"}`, nil); st != 404 || code != "not_found" {
		t.Errorf("another's thread: %d %s", st, code)
	}
}
