package client_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/server"
)

// The Go client writes to an outside address, and the recipient, with the
// link and the code the real SMTP server received, opens the thread, reads
// and replies; the sender sees sent, opened, replied.
func TestClientOutsideMessage(t *testing.T) {
	inbox := mailtest.Start(t)
	base, ana, _, _, _ := startServerWith(t, func(c *server.Config) { c.SMTP = inbox.URL })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const to = "dr.who@referrer.example"

	sent, err := ana.SendOutside(ctx, client.OutsideRequest{Email: to, Body: "Referral letter follows"})
	if err != nil || sent.ConversationID == "" || sent.Recipient.Status != "sent" || sent.Message.Body != "Referral letter follows" {
		t.Fatalf("send: %+v %v", sent, err)
	}
	mail := inbox.Last(t, to)
	if strings.Contains(mail, "Referral") {
		t.Fatal("the mail holds the message")
	}
	m := regexp.MustCompile(`/outside/([A-Za-z0-9_-]+)`).FindStringSubmatch(mail)
	if m == nil {
		t.Fatalf("no link in %q", mail)
	}
	token := m[1]

	guest := client.New(base, client.Options{InsecureSkipVerify: true})
	info, err := guest.LookUpOutside(ctx, token)
	if err != nil || info.Clinic != "Client Test" || info.ExpiresAt.Sub(sent.Recipient.ExpiresAt).Abs() > time.Millisecond {
		t.Fatalf("look up: %+v %v (sent %+v)", info, err, sent.Recipient)
	}
	if _, err := guest.OpenOutside(ctx, token, "000000", client.Device{ID: "guest-phone", Name: "phone"}); client.Code(err) != "email_code_required" {
		t.Fatalf("open without the mailed code: %v", err)
	}
	if err := guest.SendOutsideCode(ctx, token); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(inbox.Last(t, to))
	if code == nil {
		t.Fatal("no code in the mail")
	}
	res, err := guest.OpenOutside(ctx, token, code[1], client.Device{ID: "guest-phone", Name: "phone"})
	if err != nil || res.User.Role != "guest" || guest.Token() == "" {
		t.Fatalf("open: %+v %v", res, err)
	}
	if _, err := client.New(base, client.Options{InsecureSkipVerify: true}).OpenOutside(ctx, token, code[1],
		client.Device{ID: "guest-phone-2", Name: "phone"}); client.Code(err) != "link_used" {
		t.Fatalf("the link again: %v", err)
	}
	status := func(want string) {
		t.Helper()
		l, err := ana.OutsideMessages(ctx, sent.ConversationID)
		if err != nil || len(l) != 1 || l[0].Status != want || l[0].ID != sent.Recipient.ID {
			t.Fatalf("status: %+v %v, want %s", l, err, want)
		}
	}
	status("opened")

	msgs, err := guest.Messages(ctx, sent.ConversationID, 0, 50)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "Referral letter follows" {
		t.Fatalf("the guest reads: %+v %v", msgs, err)
	}
	if _, err := guest.Send(ctx, sent.ConversationID, client.SendRequest{ClientID: client.NewClientID(), Body: "Thanks, received"}); err != nil {
		t.Fatal(err)
	}
	status("replied")
	if _, err := guest.Users(ctx); client.Code(err) != "forbidden" {
		t.Fatalf("a guest reads the directory: %v", err)
	}

	// A continued thread by its id: a fresh link, status sent again.
	again, err := ana.SendOutside(ctx, client.OutsideRequest{ConversationID: sent.ConversationID, Body: "One more thing"})
	if err != nil || again.ConversationID != sent.ConversationID || again.Recipient.ID == sent.Recipient.ID {
		t.Fatalf("continue: %+v %v", again, err)
	}
	all, err := ana.OutsideMessages(ctx, "")
	if err != nil || len(all) != 2 || all[0].ID != again.Recipient.ID || all[0].Status != "sent" || all[1].Status != "replied" {
		t.Fatalf("list: %+v %v", all, err)
	}
	if _, err := ana.SendOutside(ctx, client.OutsideRequest{Email: "ben@ct.example", Body: "hi"}); client.Code(err) != "account_exists" {
		t.Fatalf("a colleague's address: %v", err)
	}
}
