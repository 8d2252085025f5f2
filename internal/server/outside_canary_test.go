package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestCanaryOutsideMessageNeverStoredInPlaintext (issue 22, secure
// messages to outside addresses): through a running server with --smtp
// pointing at the test's SMTP server, a nurse writes to an outside address
// with a canary body; the guest opens the mailed link with the mailed code
// and replies with a canary; neither body, nor the address, appears in any
// file of the data dir (the SQLite database and its WAL, while serving and
// after stopping), in any PostgreSQL table, or in the log; the mails hold
// neither body.
func TestCanaryOutsideMessageNeverStoredInPlaintext(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { outsideCanary(t, "") })
	t.Run("postgres", func(t *testing.T) { outsideCanary(t, storetest.PostgresURL(t)) })
}

func outsideCanary(t *testing.T, dbURL string) {
	in := mailtest.Start(t)
	b := make([]byte, 8)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	addr := "canary.outside." + tag + "@referrer.example"
	canaries := map[string]string{"body": "CanaryOutsideBody" + tag, "reply": "CanaryGuestReply" + tag, "email": addr}
	srv := startCanaryServer(t, dbURL, "Outside Clinic", "outside.example", in.URL)
	base, nurse := srv.base, srv.nurse

	var sent struct {
		ConversationID string `json:"conversation_id"`
	}
	call(t, base, nurse, "POST", "/api/v1/outside-messages", fmt.Sprintf(`{"email":%q,"body":%q}`, addr, canaries["body"]), &sent)
	mail := in.Last(t, addr)
	m := regexp.MustCompile(`/outside/([A-Za-z0-9_-]+)`).FindStringSubmatch(mail)
	if m == nil || !strings.Contains(mail, "Outside Clinic") {
		t.Fatalf("the mail:\n%s", mail)
	}
	token := m[1]
	public := func(path, body string) {
		t.Helper()
		resp, err := insecureClient().Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	public("/api/v1/outside/"+token+"/email-code", "")
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(in.Last(t, addr))[1]
	var opened struct{ Token string }
	resp, err := insecureClient().Post(base+"/api/v1/outside/"+token+"/open", "application/json",
		strings.NewReader(`{"email_code":"`+code+`","device":{"id":"guest-browser-1","name":"browser"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeJSON(resp, &opened); err != nil || resp.StatusCode != http.StatusCreated || opened.Token == "" {
		t.Fatalf("open: %d %v", resp.StatusCode, err)
	}
	var msgs struct{ Messages []struct{ Body string } }
	call(t, base, opened.Token, "GET", "/api/v1/conversations/"+sent.ConversationID+"/messages", "", &msgs)
	if len(msgs.Messages) != 1 || msgs.Messages[0].Body != canaries["body"] {
		t.Fatalf("the guest reads %+v", msgs)
	}
	call(t, base, opened.Token, "POST", "/api/v1/conversations/"+sent.ConversationID+"/messages", `{"client_id":"r1","body":"`+canaries["reply"]+`"}`, &struct{}{})
	var status struct {
		Outside []struct{ Status string } `json:"outside_messages"`
	}
	call(t, base, nurse, "GET", "/api/v1/outside-messages", "", &status)
	if len(status.Outside) != 1 || status.Outside[0].Status != "replied" {
		t.Fatalf("the sender sees %+v", status)
	}
	for _, ml := range in.All() {
		for _, c := range []string{canaries["body"], canaries["reply"], "Nina"} {
			if strings.Contains(ml.Body, c) {
				t.Errorf("a mail holds %q", c)
			}
		}
	}

	srv.stopAndSearch(t, canaries)
}

func decodeJSON(resp *http.Response, out any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}
