package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// msgCall sends a JSON request and decodes the JSON answer.
func msgCall(t *testing.T, e *env, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestMessagingAPI walks the messaging endpoints as two staff members and
// a patient who is not in their conversation.
func TestMessagingAPI(t *testing.T) {
	e := newEnv(t)
	doc := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	pat := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	_, me := msgCall(t, e, "GET", "/api/v1/me", nurse, "")
	nurseID, _ := me["id"].(string)
	if nurseID == "" {
		if u, ok := me["user"].(map[string]any); ok {
			nurseID, _ = u["id"].(string)
		}
	}
	if nurseID == "" {
		t.Fatalf("no user id in /api/v1/me: %v", me)
	}

	status, c := msgCall(t, e, "POST", "/api/v1/conversations", doc, fmt.Sprintf(`{"kind":"direct","members":[%q]}`, nurseID))
	if status != http.StatusCreated || c["id"] == "" || c["kind"] != "direct" {
		t.Fatalf("create: %d %v", status, c)
	}
	conv := "/api/v1/conversations/" + c["id"].(string)
	if status, again := msgCall(t, e, "POST", "/api/v1/conversations", doc, fmt.Sprintf(`{"kind":"direct","members":[%q]}`, nurseID)); status != http.StatusOK || again["id"] != c["id"] {
		t.Fatalf("create again: %d %v", status, again)
	}

	status, m := msgCall(t, e, "POST", conv+"/messages", doc, `{"client_id":"c-1","body":"hello"}`)
	if status != http.StatusCreated || m["seq"] != float64(1) || m["body"] != "hello" {
		t.Fatalf("send: %d %v", status, m)
	}
	if status, r := msgCall(t, e, "POST", conv+"/messages", doc, `{"client_id":"c-1","body":"hello"}`); status != http.StatusOK || r["id"] != m["id"] {
		t.Fatalf("retry: %d %v", status, r)
	}
	if status, p := msgCall(t, e, "POST", conv+"/messages", doc, `{"client_id":"c-1","body":"other"}`); status != http.StatusConflict || p["code"] != "conflict" {
		t.Fatalf("conflicting retry: %d %v", status, p)
	}
	big := strings.Repeat("x", ward.MaxBodyLen+1)
	if status, p := msgCall(t, e, "POST", conv+"/messages", doc, `{"client_id":"c-2","body":"`+big+`"}`); status != http.StatusRequestEntityTooLarge || p["code"] != "too_large" {
		t.Fatalf("body over the limit: %d %v", status, p)
	}
	if status, p := msgCall(t, e, "POST", conv+"/messages", doc, `{"client_id":"c-2","body":""}`); status != http.StatusBadRequest || p["code"] != "invalid_input" {
		t.Fatalf("empty body: %d %v", status, p)
	}
	status, u := msgCall(t, e, "POST", conv+"/messages", doc, `{"client_id":"c-3","body":"call me","priority":"urgent"}`)
	if status != http.StatusCreated || u["priority"] != "urgent" || u["seq"] != float64(2) {
		t.Fatalf("urgent: %d %v", status, u)
	}

	status, list := msgCall(t, e, "GET", conv+"/messages?after=0&limit=10", nurse, "")
	if msgs, _ := list["messages"].([]any); status != http.StatusOK || len(msgs) != 2 {
		t.Fatalf("list: %d %v", status, list)
	}
	if status, _ := msgCall(t, e, "GET", conv+"/messages?after=-1", nurse, ""); status != http.StatusBadRequest {
		t.Fatalf("after=-1: %d", status)
	}
	if status, _ := msgCall(t, e, "GET", conv+"/messages?limit=1000", nurse, ""); status != http.StatusBadRequest {
		t.Fatalf("limit=1000: %d", status)
	}
	if status, r := msgCall(t, e, "POST", conv+"/receipts", nurse, `{"up_to_seq":2,"kind":"read"}`); status != http.StatusOK || r["changed"] != float64(2) {
		t.Fatalf("receipts: %d %v", status, r)
	}
	if status, r := msgCall(t, e, "POST", "/api/v1/messages/"+u["id"].(string)+"/ack", nurse, ""); status != http.StatusOK || r["acked_at"] == nil {
		t.Fatalf("ack: %d %v", status, r)
	}
	if status, r := msgCall(t, e, "POST", "/api/v1/messages/"+m["id"].(string)+"/recall", doc, ""); status != http.StatusOK || r["tombstone"] != true || r["body"] != nil {
		t.Fatalf("recall: %d %v", status, r)
	}
	status, one := msgCall(t, e, "GET", conv, nurse, "")
	if status != http.StatusOK || one["last_seq"] != float64(2) || one["unread"] != float64(0) {
		t.Fatalf("get: %d %v", status, one)
	}
	if status, all := msgCall(t, e, "GET", "/api/v1/conversations", doc, ""); status != http.StatusOK || len(all["conversations"].([]any)) != 1 {
		t.Fatalf("list conversations: %d %v", status, all)
	}

	// The patient is not a member: the conversation does not exist for them.
	for _, call := range [][3]string{{"GET", conv, ""}, {"GET", conv + "/messages", ""}, {"POST", conv + "/messages", `{"client_id":"x","body":"hi"}`}} {
		if status, p := msgCall(t, e, call[0], call[1], pat, call[2]); status != http.StatusNotFound || p["code"] != "not_found" {
			t.Errorf("patient %s %s: %d %v", call[0], call[1], status, p)
		}
	}
}
