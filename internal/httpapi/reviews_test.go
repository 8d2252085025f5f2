package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
)

// do sends a JSON request with a bearer token and decodes the answer.
func do(t *testing.T, srv *httptest.Server, method, path, token, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(raw, out)
	}
	return resp.StatusCode
}

// TestReviewAndBreakGlassOverHTTP is issue 24's shows 1 and 2 through the
// API and real sockets: compliance reviews a conversation with a reason,
// its page reads are in the audit viewer with the review's id; an admin
// is refused; a clinician breaks the glass, the compliance officer's open
// socket gets the alert at once (the admin's does not), and compliance
// marks the use justified; the dashboard counts follow.
func TestReviewAndBreakGlassOverHTTP(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	hub := realtime.NewHub(f.App.Broker(), realtime.HubOptions{})
	svc := compliance.New(compliance.Config{Store: f.Store, Keyring: f.Keyring, Transcripts: f.App, Broker: f.App.Broker(), Now: f.Clock.Now})
	h := httpapi.New(httpapi.Config{App: f.App, Patients: f.Patients, Compliance: svc, Hub: hub})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		hub.Close(c)
		srv.Close()
	})
	login := func(role ward.Role, name string) (*app.Principal, string) {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		return f.MustLogin(t, u.Email, pw, "device-"+name)
	}
	pNurse, _ := login(ward.RoleStaff, "nurse")
	pDoc, _ := login(ward.RoleClinician, "doc")
	_, er := login(ward.RoleClinician, "er")
	pComp, comp := login(ward.RoleCompliance, "comp")
	_, admin := login(ward.RoleAdmin, "admin")
	rec, err := f.Patients.Create(ctx, pNurse, patients.Fields{MRN: "R-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := f.App.CreateConversation(ctx, pNurse, app.NewConversation{Kind: ward.Group, Title: "cardio", Members: []string{pDoc.User.ID}, PatientID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.App.SendMessage(ctx, pNurse, conv.ID, app.SendRequest{ClientID: "c1", Body: "troponin is up"}); err != nil {
		t.Fatal(err)
	}

	// Show 1: a review with a reason; its read in the audit trail; admin refused.
	var found struct{ Conversations []compliance.Found }
	if st := do(t, srv, "GET", "/api/v1/compliance/conversations?patient="+rec.ID, comp, "", &found); st != 200 || len(found.Conversations) != 1 {
		t.Fatalf("search: %d %+v", st, found)
	}
	var g ward.Grant
	body := fmt.Sprintf(`{"conversation_id":%q,"category":"complaint","reason":"the family complained about the delay","minutes":30}`, conv.ID)
	if st := do(t, srv, "POST", "/api/v1/compliance/reviews", comp, body, &g); st != 201 || g.ExpiresAt.Sub(g.OpenedAt) != 30*time.Minute {
		t.Fatalf("open review: %d %+v", st, g)
	}
	var page struct{ Messages []struct{ Body string } }
	if st := do(t, srv, "GET", "/api/v1/compliance/reviews/"+g.ID+"/messages", comp, "", &page); st != 200 || len(page.Messages) != 1 || page.Messages[0].Body != "troponin is up" {
		t.Fatalf("review page: %d %+v", st, page)
	}
	var trail struct {
		Events []struct {
			Action     string `json:"action"`
			Reason     string `json:"reason"`
			ResourceID string `json:"resource_id"`
		}
	}
	if st := do(t, srv, "GET", "/api/v1/audit?action=compliance.review_read", comp, "", &trail); st != 200 || len(trail.Events) != 1 ||
		trail.Events[0].Reason != fmt.Sprintf("review %s (complaint): messages 1 to 1 (1)", g.ID) || trail.Events[0].ResourceID != conv.ID {
		t.Fatalf("audit trail: %d %+v", st, trail)
	}
	for _, path := range []string{"/api/v1/compliance/reviews/" + g.ID + "/messages", "/api/v1/conversations/" + conv.ID + "/messages"} {
		if st := do(t, srv, "GET", path, admin, "", nil); st != 403 {
			t.Errorf("admin GET %s: %d, want 403", path, st)
		}
	}

	// Show 2: break-glass, the live alert, the verdict.
	dial := func(token string) *websocket.Conn {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		send(t, c, map[string]string{"type": "auth", "token": token})
		if hello := frame(t, c); hello["type"] != "hello" {
			t.Fatalf("hello %v", hello)
		}
		return c
	}
	compSock, adminSock := dial(comp), dial(admin)
	body = fmt.Sprintf(`{"patient_id":%q,"category":"emergency","reason":"arrest in the ED, the care team unreachable"}`, rec.ID)
	var bg ward.Grant
	if st := do(t, srv, "POST", "/api/v1/breakglass", er, body, &bg); st != 201 {
		t.Fatalf("break the glass: %d", st)
	}
	alert := frame(t, compSock)
	data, _ := alert["data"].(map[string]any)
	if alert["type"] != compliance.BreakGlassOpened || data["id"] != bg.ID || data["patient_id"] != rec.ID || data["user_name"] != "A er" {
		t.Fatalf("alert %v", alert)
	}
	send(t, adminSock, map[string]string{"type": "ping"})
	if f := frame(t, adminSock); f["type"] != "pong" {
		t.Fatalf("the admin's socket got %v", f)
	}
	var convs struct{ Conversations []compliance.Found }
	if st := do(t, srv, "GET", "/api/v1/breakglass/"+bg.ID+"/conversations", er, "", &convs); st != 200 || len(convs.Conversations) != 1 || convs.Conversations[0].Title != "cardio" {
		t.Fatalf("break-glass conversations: %d %+v", st, convs)
	}
	var dash compliance.Dashboard
	if st := do(t, srv, "GET", "/api/v1/compliance/dashboard", comp, "", &dash); st != 200 || dash.BreakGlassUses != 1 || dash.BreakGlassUnjudged != 1 || dash.Reviews != 1 {
		t.Fatalf("dashboard: %d %+v", st, dash)
	}
	var judged ward.Grant
	if st := do(t, srv, "POST", "/api/v1/compliance/breakglass/"+bg.ID+"/verdict", comp, `{"verdict":"justified","note":"confirmed with the ED"}`, &judged); st != 200 ||
		judged.Verdict != "justified" || judged.VerdictBy != pComp.User.ID {
		t.Fatalf("verdict: %d %+v", st, judged)
	}
	if st := do(t, srv, "GET", "/api/v1/compliance/dashboard", comp, "", &dash); st != 200 || dash.BreakGlassUnjudged != 0 {
		t.Fatalf("dashboard after: %d %+v", st, dash)
	}
}
