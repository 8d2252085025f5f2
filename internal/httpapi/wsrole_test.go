package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/realtime"
)

// TestRoleChangeEndsMemberships (issue 21, finding 1): a clinician made
// admin, compliance or patient loses the memberships the new role may not
// hold (each ended membership audited), their open socket closes, no event
// with a body reaches them afterwards (on that socket or a new one), and a
// clinician made patient cannot read the staff group's messages.
func TestRoleChangeEndsMemberships(t *testing.T) {
	for _, role := range []ward.Role{ward.RoleAdmin, ward.RoleCompliance, ward.RolePatient} {
		t.Run(string(role), func(t *testing.T) {
			e := newWSEnv(t, realtime.HubOptions{})
			ctx := context.Background()
			owner, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop")
			nurse, npw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
			doc, dpw := e.f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
			third, _ := e.f.AddUser(t, ward.RoleStaff, "sam@stmary.example", "Sam Staff")
			pDoc, _ := e.f.MustLogin(t, doc.Email, dpw, "doc-phone-0")
			group, _, err := e.f.App.CreateConversation(ctx, pDoc, app.NewConversation{Kind: ward.Group, Title: "ward 3",
				Members: []string{nurse.ID, third.ID}})
			if err != nil {
				t.Fatal(err)
			}
			direct, _, err := e.f.App.CreateConversation(ctx, pDoc, app.NewConversation{Kind: ward.Direct, Members: []string{nurse.ID}})
			if err != nil {
				t.Fatal(err)
			}
			nurseToken := e.login(t, nurse.Email, npw, "nurse-phone-1")
			nc, _ := e.signedIn(t, nurseToken)
			sendAs(t, e, pDoc, group.ID, "before", "before the change")
			if f := frame(t, nc); f["type"] != realtime.MessageCreated {
				t.Fatalf("nurse got %v before the change, want the message", f)
			}

			newRole := role
			if _, err := e.f.App.UpdateUser(ctx, owner, nurse.ID, app.UserChange{Role: &newRole}); err != nil {
				t.Fatal(err)
			}
			sendAs(t, e, pDoc, group.ID, "after", "after the change")
			sendAs(t, e, pDoc, direct.ID, "after-direct", "after the change, direct")
			if st, _ := closedNoBody(t, nc); st != realtime.StatusAccessChanged {
				t.Errorf("the nurse's socket: close %d, want %d", st, realtime.StatusAccessChanged)
			}

			// A socket opened afterwards gets no message either.
			nc2, _ := e.signedIn(t, nurseToken)
			sendAs(t, e, pDoc, group.ID, "later", "later still")
			e.mustStayOpen(t, nc2, nurse.ID, "the new socket") // the next frame is the probe, not the message

			// The ended memberships are in the audit trail, without PHI.
			removed := auditOf(t, e.f, "conversation.member_removed")
			var convs []string
			for _, ev := range removed {
				convs = append(convs, ev["resource_id"].(string))
				if r, _ := ev["reason"].(string); r == "" || containsAny(r, "ward 3", "Nina", "nurse@") {
					t.Errorf("member_removed reason %q", r)
				}
			}
			slices.Sort(convs)
			want := []string{direct.ID, group.ID}
			slices.Sort(want)
			if !slices.Equal(convs, want) {
				t.Errorf("member_removed events for %v, want %v", convs, want)
			}

			// The ex-member reads nothing of the group over REST.
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/conversations/"+group.ID+"/messages", nil)
			req.Header.Set("Authorization", "Bearer "+nurseToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET messages of the group as the ex-member: %d, want 403 or 404", resp.StatusCode)
			}
		})
	}
}

// sendAs sends a message as p and fails the test on error.
func sendAs(t *testing.T, e *wsEnv, p *app.Principal, convID, clientID, body string) {
	t.Helper()
	if _, _, err := e.f.App.SendMessage(context.Background(), p, convID, app.SendRequest{ClientID: clientID, Body: body}); err != nil {
		t.Fatal(err)
	}
}

// closedNoBody reads until c closes, failing on any frame that carries a
// message body, and returns the close status.
func closedNoBody(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatal("socket still open after 15 s")
			}
			return websocket.CloseStatus(err), err.Error()
		}
		var f struct {
			Type string `json:"type"`
			Data struct {
				Body string `json:"body"`
			} `json:"data"`
		}
		json.Unmarshal(b, &f)
		if f.Type == realtime.MessageCreated || f.Data.Body != "" {
			t.Errorf("frame after the role change: %s", b)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// auditOf returns every audit event so far with the given action.
func auditOf(t *testing.T, f *apptest.Fixture, action string) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["action"] == action {
			out = append(out, rec)
		}
	}
	return out
}
