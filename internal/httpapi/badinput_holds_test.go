package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/holds"
)

// holdCaller are the sessions and ids TestBadInputEveryRoute lends the
// legal hold cases.
type holdCaller struct {
	comp, admin, nurse, patient, guest string // org A's tokens
	convA, convB, recA, recB, userB    string // ids in org A and org B
	garbage                            []badCase
	noCSRF                             func(tok string) []badCase
}

// holdBadCases places a hold in each org (org B's by a compliance officer
// of its own) and a released one in org A, and returns the bad requests
// for every legal hold and retention route: an empty scope is
// hold_scope_empty, ids of another org are not_found, and nothing changes.
func holdBadCases(t *testing.T, e *env, c holdCaller) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	svc := holds.New(e.f.Store)
	auth := func(tok string) *app.Principal {
		p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pComp := auth(c.comp)
	if _, err := e.f.App.AddUser(ctx, "elsewhere", app.NewUser{Email: "holds@elsewhere.example", Name: "B Compliance",
		Role: ward.RoleCompliance, Password: "elsewhere compliance passphrase"}); err != nil {
		t.Fatal(err)
	}
	pCompB := auth(e.token(t, "holds@elsewhere.example", "elsewhere compliance passphrase"))
	holdA, err := svc.Place(ctx, pComp, ward.LegalHold{Matter: "Smith v. St Mary", ConversationID: c.convA})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := svc.Place(ctx, pComp, ward.LegalHold{Matter: "Closed matter", PatientID: c.recA})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Release(ctx, pComp, gone.ID); err != nil {
		t.Fatal(err)
	}
	holdB, err := svc.Place(ctx, pCompB, ward.LegalHold{Matter: "Elsewhere matter", ConversationID: c.convB})
	if err != nil {
		t.Fatal(err)
	}
	j := "application/json"
	good := `{"matter":"New matter","conversation_id":"` + c.convA + `"}`
	refused := func(id, body string) []badCase {
		var cs []badCase
		for _, who := range []struct{ name, tok string }{{"an admin", c.admin}, {"a clinician", c.nurse}, {"a patient", c.patient}, {"a guest", c.guest}} {
			b := badCase{name: who.name, id: id, token: who.tok, status: 403, code: ward.CodeForbidden}
			if body != "" {
				b.ctype, b.body = j, body
			}
			cs = append(cs, b)
		}
		return cs
	}
	// scopeCases are the refused holds, as placed or as a change of holdA.
	scopeCases := func(id string) []badCase {
		bc := func(name, body string, status int, code ward.Code) badCase {
			return badCase{name: name, id: id, token: c.comp, ctype: j, body: body, status: status, code: code}
		}
		return []badCase{
			bc("an empty scope", `{"matter":"Matter"}`, 400, ward.CodeHoldScopeEmpty),
			bc("an empty scope of empty strings", `{"matter":"Matter","user_id":"","patient_id":"","conversation_id":""}`, 400, ward.CodeHoldScopeEmpty),
			bc("no matter", `{"conversation_id":"`+c.convA+`"}`, 400, ward.CodeInvalid),
			bc("a blank matter", `{"matter":"   ","conversation_id":"`+c.convA+`"}`, 400, ward.CodeInvalid),
			bc("a matter over 200 characters", `{"matter":"`+strings.Repeat("m", 201)+`","conversation_id":"`+c.convA+`"}`, 400, ward.CodeInvalid),
			bc("a control character in the matter", `{"matter":"a\u0007b","conversation_id":"`+c.convA+`"}`, 400, ward.CodeInvalid),
			bc("from after to", `{"matter":"M","from":"2026-12-01T00:00:00Z","to":"2026-11-01T00:00:00Z"}`, 400, ward.CodeInvalid),
			bc("from not RFC 3339", `{"matter":"M","from":"yesterday"}`, 400, ward.CodeInvalid),
			bc("another org's conversation", `{"matter":"M","conversation_id":"`+c.convB+`"}`, 404, ward.CodeNotFound),
			bc("another org's patient", `{"matter":"M","patient_id":"`+c.recB+`"}`, 404, ward.CodeNotFound),
			bc("another org's user", `{"matter":"M","user_id":"`+c.userB+`"}`, 404, ward.CodeNotFound),
			bc("an unknown conversation", `{"matter":"M","conversation_id":"01a20fde-0000-7000-8000-000000000000"}`, 404, ward.CodeNotFound),
			bc("an id that is a path", `{"matter":"M","conversation_id":"../users"}`, 404, ward.CodeNotFound),
			bc("an id with a space", `{"matter":"M","user_id":"a b"}`, 400, ward.CodeInvalid),
		}
	}
	return map[string][]badCase{
		"GET /api/v1/holds":      cat(c.garbage, refused("", "")),
		"POST /api/v1/holds":     cat(jsonCases(c.comp, "", `{"matter":7}`), c.noCSRF(c.comp), scopeCases(""), refused("", good)),
		"GET /api/v1/holds/{id}": cat(idCases(c.comp, holdB.ID), refused(holdA.ID, "")),
		"PUT /api/v1/holds/{id}": cat(jsonCases(c.comp, holdA.ID, `{"user_id":["x"]}`), withBody(idCases(c.comp, holdB.ID), good),
			scopeCases(holdA.ID), refused(holdA.ID, good), []badCase{
				{name: "cookie without CSRF header", id: holdA.ID, token: c.comp, cookie: true, ctype: j, body: good, status: 403, code: ward.CodeForbidden},
				{name: "a released hold", id: gone.ID, token: c.comp, ctype: j, body: good, status: 409, code: ward.CodeConflict},
			}),
		"POST /api/v1/holds/{id}/release": cat(idCases(c.comp, holdB.ID), refused(holdA.ID, ""), []badCase{
			{name: "cookie without CSRF header", id: holdA.ID, token: c.comp, cookie: true, status: 403, code: ward.CodeForbidden},
			{name: "already released", id: gone.ID, token: c.comp, status: 409, code: ward.CodeConflict},
		}),
		"GET /api/v1/retention": cat(c.garbage, []badCase{
			{name: "a clinician", token: c.nurse, status: 403, code: ward.CodeForbidden},
			{name: "a patient", token: c.patient, status: 403, code: ward.CodeForbidden},
			{name: "a guest", token: c.guest, status: 403, code: ward.CodeForbidden},
		}),
	}
}
