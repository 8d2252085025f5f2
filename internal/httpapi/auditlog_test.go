package httpapi_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// get sends an authenticated GET and returns the answer, read.
func (e *env) get(t *testing.T, path, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

type auditAnswer struct {
	Events []map[string]any `json:"events"`
	Next   *string          `json:"next"`
}

func TestAuditSearchAPI(t *testing.T) {
	e := newEnv(t)
	comp := e.token(t, e.email[ward.RoleCompliance], e.pw[ward.RoleCompliance])
	e.token(t, e.other.Email, e.otherPW) // the other org signs in too
	day := e.f.Clock.Now().Format(time.DateOnly)

	resp, body := e.get(t, "/api/v1/audit?from="+day+"&to="+day+"&limit=3", comp)
	var ans auditAnswer
	if err := json.Unmarshal(body, &ans); err != nil || resp.StatusCode != 200 || ans.Next == nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
	}
	if len(ans.Events) != 3 || *ans.Next == "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("want a full page and a cursor: %s", body)
	}
	first := ans.Events[0]
	for _, k := range []string{"seq", "id", "time", "actor_user_id", "actor_role", "actor_device_id", "actor_ip", "action",
		"resource_type", "resource_id", "patient_id", "outcome", "reason"} {
		if _, ok := first[k]; !ok {
			t.Errorf("event lacks %q: %v", k, first)
		}
	}
	if first["action"] != string(audit.AuditSearched) || first["actor_role"] != "compliance" {
		t.Errorf("the newest event is not this search: %v", first)
	}
	if _, err := time.Parse(time.RFC3339, first["time"].(string)); err != nil {
		t.Errorf("time %v: %v", first["time"], err)
	}

	// Every page, to the end: each event once, newest first, none of the other org.
	var ids []float64
	next := ""
	for pages := 0; pages < 100; pages++ {
		path := "/api/v1/audit?limit=2"
		if next != "" {
			path += "&before=" + next
		}
		_, body := e.get(t, path, comp)
		var a auditAnswer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		for i, ev := range a.Events {
			if next == "" && i == 0 {
				continue // this paging's own first search
			}
			if ev["actor_user_id"] == e.other.ID {
				t.Fatalf("the other org's event shows: %v", ev)
			}
			ids = append(ids, ev["id"].(float64))
		}
		if next = *a.Next; next == "" {
			break
		}
	}
	if len(ids) < 8 || !slices.IsSortedFunc(ids, func(a, b float64) int { return int(b - a) }) {
		t.Errorf("paged ids %v: want many, newest first", ids)
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("an event shows twice: %v", ids)
	}

	// Another org's user id: nothing, not an error.
	resp, body = e.get(t, "/api/v1/audit?user="+e.other.ID, comp)
	if err := json.Unmarshal(body, &ans); err != nil || resp.StatusCode != 200 || len(ans.Events) != 0 || *ans.Next != "" {
		t.Errorf("another org's user: %d %s", resp.StatusCode, body)
	}
	// The user filter finds the compliance officer's own sign-in.
	resp, body = e.get(t, "/api/v1/audit?action=login.succeeded&user="+e.f.Owner.ID, comp)
	if err := json.Unmarshal(body, &ans); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, ev := range ans.Events {
		if ev["actor_user_id"] != e.f.Owner.ID || ev["action"] != "login.succeeded" {
			t.Errorf("filtered answer holds %v", ev)
		}
	}

	// The recorder down: the search fails rather than answer unaudited.
	e.f.Recorder.Close()
	if resp, body := e.get(t, "/api/v1/audit", comp); resp.StatusCode < 500 {
		t.Errorf("with the recorder down: %d %s", resp.StatusCode, body)
	}
}

func TestAuditExportAPI(t *testing.T) {
	e := newEnv(t)
	comp := e.token(t, e.email[ward.RoleCompliance], e.pw[ward.RoleCompliance])
	e.token(t, e.other.Email, e.otherPW)
	day := e.f.Clock.Now().Format(time.DateOnly)
	compact := strings.ReplaceAll(day, "-", "")

	resp, body := e.get(t, "/api/v1/audit/export?from="+day+"&to="+day+"&format=csv", comp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		resp.Header.Get("Cache-Control") != "no-store" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="ward-audit-`+compact+"-"+compact+`.csv"` {
		t.Fatalf("%d %v %.300s", resp.StatusCode, resp.Header, body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || !slices.Equal(recs[0], audit.ExportColumns()) || len(recs) < 5 {
		t.Fatalf("CSV %v: %.300s", err, body)
	}
	sawExport := false
	for _, r := range recs[1:] {
		if r[2] != e.f.Org.ID {
			t.Errorf("another org's row: %v", r)
		}
		sawExport = sawExport || r[7] == string(audit.AuditExported)
	}
	if !sawExport {
		t.Error("the export was not audited before it ran")
	}

	from := e.f.Clock.Now().Add(-time.Hour).Format(time.RFC3339)
	to := e.f.Clock.Now().Add(time.Hour).Format(time.RFC3339)
	resp, body = e.get(t, "/api/v1/audit/export?from="+from+"&to="+to+"&action=login.succeeded", comp)
	if resp.StatusCode != 200 || !strings.HasSuffix(resp.Header.Get("Content-Disposition"), `.jsonl"`) {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	lines := 0
	for sc.Scan() {
		lines++
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec["org_id"] != e.f.Org.ID || rec["action"] != "login.succeeded" {
			t.Errorf("JSONL line %s: %v", sc.Bytes(), err)
		}
	}
	if lines == 0 {
		t.Error("no sign-ins exported")
	}

	// An empty export is still a (empty) download.
	resp, body = e.get(t, "/api/v1/audit/export?from=2020-01-01&to=2020-01-02", comp)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Disposition") != `attachment; filename="ward-audit-20200101-20200102.jsonl"` {
		t.Errorf("empty export: %d %v %q", resp.StatusCode, resp.Header, body)
	}

	e.f.Recorder.Close()
	if resp, body := e.get(t, "/api/v1/audit/export?from="+day+"&to="+day, comp); resp.StatusCode < 500 ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("with the recorder down: %d %s", resp.StatusCode, body)
	}
}

func TestStatsAPI(t *testing.T) {
	e := newEnv(t)
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	e.guestToken(t, e.email[ward.RoleGuest]) // one user of every role
	resp, body := e.get(t, "/api/v1/stats?days=3", admin)
	var s struct {
		Days               int                        `json:"days"`
		MessagesPerDay     []struct{ Day, Count any } `json:"messages_per_day"`
		FailedLoginsPerDay []struct{ Day, Count any } `json:"failed_logins_per_day"`
		ActiveDevices      *int                       `json:"active_devices"`
		DevicesByStatus    map[string]int             `json:"devices_by_status"`
		UsersByRole        map[string]int             `json:"users_by_role"`
	}
	if err := json.Unmarshal(body, &s); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
	}
	today := e.f.Clock.Now().Format(time.DateOnly)
	if s.Days != 3 || len(s.MessagesPerDay) != 3 || len(s.FailedLoginsPerDay) != 3 || s.MessagesPerDay[2].Day != today ||
		s.ActiveDevices == nil || *s.ActiveDevices < 1 {
		t.Errorf("stats %s", body)
	}
	for _, k := range []string{"active", "pending", "locked", "wiped"} {
		if _, ok := s.DevicesByStatus[k]; !ok {
			t.Errorf("devices_by_status lacks %s: %s", k, body)
		}
	}
	for _, r := range ward.Roles {
		if s.UsersByRole[string(r)] != 1 {
			t.Errorf("users_by_role[%s] = %d, want 1: %s", r, s.UsersByRole[string(r)], body)
		}
	}
	if _, body := e.get(t, "/api/v1/stats", admin); !strings.Contains(string(body), `"days":30`) {
		t.Errorf("default days: %.200s", body)
	}
}
