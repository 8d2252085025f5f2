package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/realtime"
)

// TestSendRateLimit (issue 21, finding 19): a user who sends faster than
// the send limit gets 429 rate_limited with Retry-After over REST, and an
// error frame with rate_limited and retry_after over the socket; nothing
// over the limit is stored. Patients may neither mark a message urgent nor
// name a backup.
func TestSendRateLimit(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	doc, _ := e.f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
	pat, ppw := e.f.AddUser(t, ward.RolePatient, "pat@example.org", "Pat Patient")
	pPat, token := e.f.MustLogin(t, pat.Email, ppw, "pat-phone-0")
	conv, _, err := e.f.App.CreateConversation(ctx, pPat, app.NewConversation{Kind: ward.Direct, Members: []string{doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body map[string]any) *http.Response {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/conversations/"+conv.ID+"/messages", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	problem := func(resp *http.Response) map[string]any {
		defer resp.Body.Close()
		var p map[string]any
		json.NewDecoder(resp.Body).Decode(&p)
		return p
	}

	// A patient may neither mark urgent nor name a backup; nothing is stored.
	for _, body := range []map[string]any{
		{"client_id": "u1", "body": "help", "priority": "urgent"},
		{"client_id": "u2", "body": "help", "backup_user_id": doc.ID},
	} {
		resp := post(body)
		if p := problem(resp); resp.StatusCode != http.StatusForbidden || p["code"] != "forbidden" {
			t.Errorf("patient send %v: %d %v, want 403 forbidden", body, resp.StatusCode, p)
		}
	}
	wantStored(t, e, pPat, conv.ID, 0, "none after the refused urgent sends")

	// The clock stands still: the burst goes, then the limit answers.
	burst := app.DefaultPatientSendLimit.Burst
	for i := range burst {
		resp := post(map[string]any{"client_id": fmt.Sprintf("c%d", i), "body": "hello"})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("send %d of the burst: %d %v", i, resp.StatusCode, problem(resp))
		}
		resp.Body.Close()
	}
	resp := post(map[string]any{"client_id": "over", "body": "one too many"})
	ra := resp.Header.Get("Retry-After")
	if p := problem(resp); resp.StatusCode != http.StatusTooManyRequests || p["code"] != "rate_limited" || ra == "" || ra == "0" {
		t.Fatalf("over the limit: %d Retry-After %q %v, want 429 rate_limited with Retry-After", resp.StatusCode, ra, p)
	}
	// Over the socket: an error frame with the problem and retry_after.
	c, _ := e.signedIn(t, token)
	send(t, c, map[string]any{"type": "send", "ref": "r1", "conversation_id": conv.ID, "client_id": "over-ws", "body": "again"})
	f := answerTo(t, c, "r1")
	p, _ := f["problem"].(map[string]any)
	if problemCode(f) != "rate_limited" || p["status"] != float64(429) || p["retry_after"] == nil {
		t.Fatalf("socket send over the limit: %v", f)
	}
	wantStored(t, e, pPat, conv.ID, burst, "the burst only")
	// Time refills the bucket.
	e.f.Clock.Advance(2 * time.Second)
	if resp := post(map[string]any{"client_id": "later", "body": "later"}); resp.StatusCode != http.StatusCreated {
		t.Errorf("after the wait: %d %v", resp.StatusCode, problem(resp))
	}
}
