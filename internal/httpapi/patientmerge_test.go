package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// TestPatientMergeAndUnmerge (issue 22): a nurse merges a duplicate record
// into the survivor; the conversation about the duplicate then lists under
// the survivor too, the duplicate shows merged_into; unmerging reverses
// it; both are audited; merging a merged record again is a conflict.
func TestPatientMergeAndUnmerge(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	staff := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	var surv, dup patientOut
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients", nurse, `{"mrn":"M-1","given_name":"Ann","family_name":"Lee","birth_date":"1980-02-03"}`, &surv); st != 201 {
		t.Fatalf("create: %d %s", st, c)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients", nurse, `{"mrn":"M-1b","given_name":"Anne","family_name":"Lee","birth_date":"1980-02-03"}`, &dup); st != 201 {
		t.Fatalf("create: %d %s", st, c)
	}
	var conv struct{ ID string }
	body := fmt.Sprintf(`{"kind":"group","title":"x","members":[%q],"patient_id":%q}`, e.userOf(t, staff), dup.ID)
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations", nurse, body, &conv); st != 201 {
		t.Fatalf("conversation: %d %s", st, c)
	}
	listed := func(rec string) bool {
		var out struct{ Conversations []struct{ ID string } }
		if st, c := e.sendJSON(t, "GET", "/api/v1/patients/"+rec+"/conversations", nurse, "", &out); st != 200 {
			t.Fatalf("conversations: %d %s", st, c)
		}
		return slices.ContainsFunc(out.Conversations, func(c struct{ ID string }) bool { return c.ID == conv.ID })
	}
	if listed(surv.ID) {
		t.Fatal("listed under the survivor before the merge")
	}
	var m struct {
		ID         string `json:"id"`
		MergedInto string `json:"merged_into"`
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+dup.ID+"/merge", nurse, `{"into":"`+surv.ID+`"}`, &m); st != 200 || m.MergedInto != surv.ID {
		t.Fatalf("merge: %d %s %+v", st, c, m)
	}
	if !listed(surv.ID) || !listed(dup.ID) {
		t.Error("after the merge the conversation lists under both")
	}
	var got struct {
		MergedInto string `json:"merged_into"`
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients/"+dup.ID, nurse, "", &got); st != 200 || got.MergedInto != surv.ID {
		t.Errorf("the duplicate reads merged_into %q", got.MergedInto)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+dup.ID+"/merge", nurse, `{"into":"`+surv.ID+`"}`, nil); st != http.StatusConflict {
		t.Errorf("merge again: %d %s", st, c)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+surv.ID+"/merge", nurse, `{"into":"`+dup.ID+`"}`, nil); st != http.StatusConflict {
		t.Errorf("merge the survivor into its duplicate: %d %s", st, c)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/patients/"+dup.ID+"/unmerge", nurse, "", &m); st != 200 || m.MergedInto != "" {
		t.Fatalf("unmerge: %d %s %+v", st, c, m)
	}
	if listed(surv.ID) || !listed(dup.ID) {
		t.Error("after the unmerge the conversation lists under the duplicate only")
	}
	acts := e.f.AuditActions(t)
	if !slices.Contains(acts, string(audit.PatientMerged)) || !slices.Contains(acts, string(audit.PatientUnmerged)) {
		t.Error("merge and unmerge are not audited")
	}
}
