package client_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client reads a held copy's kept attachment through a review: a
// message with a file, recalled under a legal hold, lists the file with
// its copy (ReviewHeldCopies) and ReviewAttachment downloads it byte for
// byte; the sender cannot download it any more.
func TestClientReviewHeldAttachment(t *testing.T) {
	ctx := context.Background()
	base, ana, _, _, benID := startServer(t)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	call := func(c *client.Client, method, path, ctype string, body []byte) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+c.Token())
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	if resp, b := call(owner, "POST", "/api/v1/users", "application/json",
		[]byte(`{"email":"cora@ct.example","name":"Cora","role":"compliance","password":"cora passphrase long enough"}`)); resp.StatusCode != 201 {
		t.Fatalf("add a compliance officer: %d %s", resp.StatusCode, b)
	}
	cora := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := cora.Login(ctx, client.LoginRequest{Email: "cora@ct.example", Password: "cora passphrase long enough",
		Device: client.Device{ID: "client-test-cora", Name: "cora's laptop"}}); err != nil {
		t.Fatal(err)
	}
	conv, err := ana.CreateConversation(ctx, client.NewConversation{Kind: "group", Title: "consent", Members: []string{benID}})
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.4 signed consent")
	resp, b := call(ana, "POST", "/api/v1/conversations/"+conv.ID+"/attachments?name=consent.pdf", "application/pdf", content)
	var att struct{ ID string }
	if resp.StatusCode != 201 || json.Unmarshal(b, &att) != nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	resp, b = call(ana, "POST", "/api/v1/conversations/"+conv.ID+"/messages", "application/json",
		[]byte(`{"client_id":"ct-h1","body":"signed consent attached","attachment_ids":["`+att.ID+`"]}`))
	var msg struct{ ID string }
	if resp.StatusCode != 201 || json.Unmarshal(b, &msg) != nil {
		t.Fatalf("send: %d %s", resp.StatusCode, b)
	}
	if _, err := cora.PlaceHold(ctx, client.HoldScope{Matter: "Doe v. Clinic", ConversationID: conv.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Recall(ctx, msg.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := call(ana, "GET", "/api/v1/attachments/"+att.ID, "", nil); resp.StatusCode != 404 {
		t.Fatalf("the sender downloads the recalled file: %d", resp.StatusCode)
	}
	g, err := cora.OpenReview(ctx, conv.ID, "legal_request", "subpoena", 0)
	if err != nil {
		t.Fatal(err)
	}
	held, err := cora.ReviewHeldCopies(ctx, g.ID)
	if err != nil || len(held) != 1 || held[0].Body != "signed consent attached" || len(held[0].Attachments) != 1 ||
		held[0].Attachments[0] != (client.HeldFile{ID: att.ID, Name: "consent.pdf", ContentType: "application/pdf", Size: int64(len(content))}) {
		t.Fatalf("held copies: %+v %v", held, err)
	}
	got, ctype, err := cora.ReviewAttachment(ctx, g.ID, att.ID)
	if err != nil || !bytes.Equal(got, content) || !strings.HasPrefix(ctype, "application/pdf") {
		t.Fatalf("the kept file: %q %q %v", got, ctype, err)
	}
	if _, _, err := ana.ReviewAttachment(ctx, g.ID, att.ID); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician through the review route: %v", err)
	}
}
