package httpapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// alertCaller are the sessions TestBadInputEveryRoute lends the alert cases.
type alertCaller struct {
	comp, admin string // org A's tokens
	orgB        string
	garbage     []badCase
	noCSRF      func(tok string) []badCase
}

// alertBadCases stores an alert in org A and one in org B and returns the
// bad requests for every alert route: unknown filters, other orgs' alerts,
// a dismissal without a reason, an escalation without a usable incident
// id, and admins, who may not see alerts.
func alertBadCases(t *testing.T, e *env, c alertCaller) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	mk := func(org string) string {
		now := e.f.Clock.Now()
		row := store.AlertRow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: org, Rule: "bulk_access", Subject: "u", Severity: "high",
			Status: "new", Summary: "s", Evidence: []byte(`{"seq_ranges":[[1,2]],"events":2}`), FirstSeq: 1, LastSeq: 2,
			FirstAt: now, LastAt: now, RaisedAt: now, UpdatedAt: now}
		if err := e.f.Store.Write(ctx, func(tx *store.Tx) error { return tx.CreateAlert(ctx, &row) }); err != nil {
			t.Fatal(err)
		}
		return row.ID
	}
	a, b := mk(e.f.Org.ID), mk(c.orgB)
	j := "application/json"
	return map[string][]badCase{
		"GET /api/v1/compliance/alerts": cat(c.garbage, []badCase{
			{name: "an unknown status", path: "/api/v1/compliance/alerts?status=open", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "an unknown severity", path: "/api/v1/compliance/alerts?severity=critical", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "a bad cursor", path: "/api/v1/compliance/alerts?before=soon", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", path: "/api/v1/compliance/alerts", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/alerts/counts": cat(c.garbage, []badCase{
			{name: "as an admin", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/alerts/{id}": cat(idCases(c.comp, b), []badCase{
			{name: "as an admin", id: a, token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/compliance/alerts/{id}/acknowledge": cat(withBody(idCases(c.comp, b), `{}`), withID(c.noCSRF(c.comp), a), []badCase{
			{name: "as an admin", id: a, token: c.admin, ctype: j, body: `{}`, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/compliance/alerts/{id}/dismiss": cat(jsonCases(c.comp, a, `{"reason":5}`), withBody(idCases(c.comp, b), `{"reason":"r"}`),
			withID(c.noCSRF(c.comp), a), []badCase{
				{name: "no reason", id: a, token: c.comp, ctype: j, body: `{}`, status: 422, code: ward.CodeReasonRequired},
				{name: "a blank reason", id: a, token: c.comp, ctype: j, body: `{"reason":"  "}`, status: 422, code: ward.CodeReasonRequired},
				{name: "as an admin", id: a, token: c.admin, ctype: j, body: `{"reason":"r"}`, status: 403, code: ward.CodeForbidden},
			}),
		"POST /api/v1/compliance/alerts/{id}/escalate": cat(jsonCases(c.comp, a, `{"incident_id":5}`), withBody(idCases(c.comp, b), `{"incident_id":"inc-1"}`),
			withID(c.noCSRF(c.comp), a), []badCase{
				{name: "no incident", id: a, token: c.comp, ctype: j, body: `{}`, status: 400, code: ward.CodeInvalid},
				{name: "a path in the incident id", id: a, token: c.comp, ctype: j, body: `{"incident_id":"../x"}`, status: 400, code: ward.CodeInvalid},
				{name: "as an admin", id: a, token: c.admin, ctype: j, body: `{"incident_id":"inc-1"}`, status: 403, code: ward.CodeForbidden},
			}),
	}
}
