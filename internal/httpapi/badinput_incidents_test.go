package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/incidents"
)

// incidentCaller are the sessions and ids TestBadInputEveryRoute lends the
// breach incident and BAA cases.
type incidentCaller struct {
	comp, admin, nurse, staff, patient, guest string // org A's tokens
	recA, recB                                string // patient records of org A and org B
	garbage                                   []badCase
	noCSRF                                    func(tok string) []badCase
}

// incidentBadCases opens an incident in each org (org B's by a compliance
// officer of its own) and a closed one in org A, registers a BAA in each,
// and returns the bad requests for every incident and BAA route: no
// discovery date, a deadline in the past, an outcome before the factors,
// a change to a closed incident, a BAA expiring before it was signed, ids
// of another org, roles without the right; nothing changes.
func incidentBadCases(t *testing.T, e *env, c incidentCaller) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	svc := incidents.New(incidents.Config{Store: e.f.Store, Keyring: e.f.Keyring, Now: e.f.Clock.Now})
	bs := baa.New(baa.Config{Store: e.f.Store, Keyring: e.f.Keyring, Blobs: e.f.Blobs, Now: e.f.Clock.Now})
	auth := func(tok string) *app.Principal {
		p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pComp, pAdmin := auth(c.comp), auth(c.admin)
	if _, err := e.f.App.AddUser(ctx, "elsewhere", app.NewUser{Email: "incidents@elsewhere.example", Name: "B Compliance",
		Role: ward.RoleCompliance, Password: "elsewhere compliance passphrase"}); err != nil {
		t.Fatal(err)
	}
	pCompB := auth(e.token(t, "incidents@elsewhere.example", "elsewhere compliance passphrase"))
	now := e.f.Clock.Now()
	d := incidents.Draft{DiscoveredAt: now, Details: incidents.Details{Title: "Lost laptop"}}
	incA, err := svc.Open(ctx, pComp, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EditPatient(ctx, pComp, incA.ID, incidents.PatientEdit{PatientID: c.recA, Reason: "on the laptop"}); err != nil {
		t.Fatal(err)
	}
	closed, err := svc.Open(ctx, pComp, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Close(ctx, pComp, closed.ID); err != nil {
		t.Fatal(err)
	}
	incB, err := svc.Open(ctx, pCompB, d)
	if err != nil {
		t.Fatal(err)
	}
	baaA, err := bs.Create(ctx, pAdmin, baa.Draft{Vendor: "Cloudy Hosting", Status: "requested"})
	if err != nil {
		t.Fatal(err)
	}
	baaB, err := bs.Create(ctx, pCompB, baa.Draft{Vendor: "Elsewhere Hosting"})
	if err != nil {
		t.Fatal(err)
	}

	j := "application/json"
	good := `{"discovered_at":"2026-11-20","details":{"title":"Stolen phone"}}`
	refusedBy := func(whos []struct{ name, tok string }, id, body string) []badCase {
		var cs []badCase
		for _, who := range whos {
			b := badCase{name: who.name, id: id, token: who.tok, status: 403, code: ward.CodeForbidden}
			if body != "" {
				b.ctype, b.body = j, body
			}
			cs = append(cs, b)
		}
		return cs
	}
	type who = struct{ name, tok string }
	notComp := []who{{"an admin", c.admin}, {"a clinician", c.nurse}, {"a patient", c.patient}, {"a guest", c.guest}}
	notBAA := []who{{"a clinician", c.nurse}, {"staff", c.staff}, {"a patient", c.patient}, {"a guest", c.guest}}
	refused := func(id, body string) []badCase { return refusedBy(notComp, id, body) }
	bc := func(name, id, body string, status int, code ward.Code) badCase {
		return badCase{name: name, id: id, token: c.comp, ctype: j, body: body, status: status, code: code}
	}
	draftCases := func(id string) []badCase {
		return []badCase{
			bc("no discovery date", id, `{"details":{"title":"T"}}`, 400, ward.CodeDiscoveryRequired),
			bc("a deadline in the past", id, `{"discovered_at":"2026-11-01","deadline":"2026-11-02","details":{"title":"T"}}`, 400, ward.CodeDeadlineInPast),
			bc("a deadline beyond 60 days", id, `{"discovered_at":"2026-11-20","deadline":"2027-06-01","details":{"title":"T"}}`, 400, ward.CodeInvalid),
			bc("a discovery date in the future", id, `{"discovered_at":"2027-06-01","details":{"title":"T"}}`, 400, ward.CodeInvalid),
			bc("a date that is no date", id, `{"discovered_at":"yesterday","details":{"title":"T"}}`, 400, ward.CodeInvalid),
			bc("no title", id, `{"discovered_at":"2026-11-20","details":{}}`, 400, ward.CodeInvalid),
			bc("a title over 200 characters", id, `{"discovered_at":"2026-11-20","details":{"title":"`+strings.Repeat("t", 201)+`"}}`, 400, ward.CodeInvalid),
			bc("an outcome before the factors", id, `{"discovered_at":"2026-11-20","details":{"title":"T","assessment":{"outcome":"breach"}}}`, 422, ward.CodeAssessmentIncomplete),
			bc("an unknown breach type", id, `{"discovered_at":"2026-11-20","details":{"title":"T","breach_type":"aliens"}}`, 400, ward.CodeInvalid),
			bc("half a window", id, `{"discovered_at":"2026-11-20","window_from":"2026-11-19T00:00:00Z","details":{"title":"T"}}`, 400, ward.CodeInvalid),
			bc("another org's user", id, `{"discovered_at":"2026-11-20","user_ids":["`+pCompB.User.ID+`"],"details":{"title":"T"}}`, 404, ward.CodeNotFound),
			bc("an id with a comma", id, `{"discovered_at":"2026-11-20","alert_id":"a,b","details":{"title":"T"}}`, 400, ward.CodeInvalid),
			bc("an unknown field in details", id, `{"discovered_at":"2026-11-20","details":{"title":"T","x":1}}`, 400, ward.CodeInvalid),
		}
	}
	closedCase := func(body string) badCase {
		b := badCase{name: "a closed incident", id: closed.ID, token: c.comp, status: 409, code: ward.CodeIncidentClosed}
		if body != "" {
			b.ctype, b.body = j, body
		}
		return b
	}
	assess := `{"nature":{"rating":"low","notes":""},"recipient":{"rating":"low","notes":""},"acquired":{"rating":"low","notes":""},"mitigation":{"rating":"low","notes":""},"outcome":"low_probability"}`
	patient := `{"patient_id":"` + c.recA + `","state":"CA","reason":"read it"}`
	remove := `{"reason":"not on the laptop"}`
	base := "/api/v1/incidents/"

	baaGood := `{"vendor":"Mail Co","status":"signed","signed_at":"2026-01-01","expires_at":"2027-01-01"}`
	baaCases := func(id string) []badCase {
		b := func(name, body string, status int, code ward.Code) badCase {
			return badCase{name: name, id: id, token: c.admin, ctype: j, body: body, status: status, code: code}
		}
		return []badCase{
			b("expires before it was signed", `{"vendor":"V","status":"signed","signed_at":"2026-06-01","expires_at":"2026-01-01"}`, 400, ward.CodeBAADates),
			b("signed without a date", `{"vendor":"V","status":"signed"}`, 400, ward.CodeBAADates),
			b("no vendor", `{"status":"none"}`, 400, ward.CodeInvalid),
			b("an unknown status", `{"vendor":"V","status":"maybe"}`, 400, ward.CodeInvalid),
			b("a date that is no date", `{"vendor":"V","signed_at":"soon"}`, 400, ward.CodeInvalid),
			b("a vendor over 200 characters", `{"vendor":"`+strings.Repeat("v", 201)+`"}`, 400, ward.CodeInvalid),
		}
	}
	docCases := func() []badCase {
		var cs []badCase
		for _, x := range cat(idCases(c.admin, baaB.ID), c.garbage, c.noCSRF(c.admin)) {
			if x.id == "" {
				x.id = baaA.ID
			}
			x.path, x.ctype, x.body = "/api/v1/baas/"+x.id+"/document?name=baa.pdf", "application/pdf", "%PDF-1.4"
			cs = append(cs, x)
		}
		return append(cs,
			badCase{name: "no name", path: "/api/v1/baas/" + baaA.ID + "/document", token: c.admin, ctype: "application/pdf", body: "%PDF", status: 400, code: ward.CodeInvalid},
			badCase{name: "an empty document", path: "/api/v1/baas/" + baaA.ID + "/document?name=a.pdf", token: c.admin, ctype: "application/pdf", status: 400, code: ward.CodeInvalid},
			badCase{name: "a clinician", path: "/api/v1/baas/" + baaA.ID + "/document?name=a.pdf", token: c.nurse, ctype: "application/pdf", body: "%PDF", status: 403, code: ward.CodeForbidden},
		)
	}

	return map[string][]badCase{
		"GET /api/v1/incidents":  cat(c.garbage, refused("", "")),
		"POST /api/v1/incidents": cat(jsonCases(c.comp, "", `{"discovered_at":7}`), c.noCSRF(c.comp), draftCases(""), refused("", good)),
		"POST /api/v1/incidents/from-alerts": cat(jsonCases(c.comp, "", `{"alert_ids":"x"}`), c.noCSRF(c.comp),
			refused("", `{"alert_ids":["01a20fde-0000-7000-8000-000000000000"]}`), []badCase{
				bc("no alerts", "", `{"alert_ids":[]}`, 400, ward.CodeInvalid),
				bc("an unknown alert", "", `{"alert_ids":["01a20fde-0000-7000-8000-000000000000"]}`, 404, ward.CodeNotFound),
				bc("an id with a comma", "", `{"alert_ids":["a,b"]}`, 400, ward.CodeInvalid),
				bc("a date that is no date", "", `{"alert_ids":["a"],"discovered_at":"yesterday"}`, 400, ward.CodeInvalid),
			}),
		"GET /api/v1/incidents/annual-log": cat(c.garbage, refused("", ""), []badCase{
			{name: "year=abc", path: base + "annual-log?year=abc", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "year=1999", path: base + "annual-log?year=1999", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "format=xml", path: base + "annual-log?format=xml", token: c.comp, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/incidents/{id}": cat(idCases(c.comp, incB.ID), refused(incA.ID, "")),
		"PUT /api/v1/incidents/{id}": cat(jsonCases(c.comp, incA.ID, `{"user_ids":"x"}`), withBody(idCases(c.comp, incB.ID), good),
			draftCases(incA.ID), refused(incA.ID, good), []badCase{closedCase(good)}),
		"PUT /api/v1/incidents/{id}/assessment": cat(jsonCases(c.comp, incA.ID, `{"nature":"x"}`), withBody(idCases(c.comp, incB.ID), assess),
			refused(incA.ID, assess), []badCase{closedCase(assess),
				bc("an outcome before the factors", incA.ID, `{"nature":{"rating":"low","notes":""},"outcome":"breach"}`, 422, ward.CodeAssessmentIncomplete),
				bc("an unknown rating", incA.ID, `{"nature":{"rating":"huge","notes":""}}`, 400, ward.CodeInvalid),
				bc("an unknown outcome", incA.ID, `{"outcome":"maybe"}`, 400, ward.CodeInvalid),
			}),
		"POST /api/v1/incidents/{id}/patients/compute": cat(idCases(c.comp, incB.ID), refused(incA.ID, ""), []badCase{closedCase(""),
			{name: "no window or users", id: incA.ID, token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "cookie without CSRF header", id: incA.ID, token: c.comp, cookie: true, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/incidents/{id}/patients": cat(jsonCases(c.comp, incA.ID, `{"patient_id":5}`), withBody(idCases(c.comp, incB.ID), patient),
			refused(incA.ID, patient), []badCase{closedCase(patient),
				bc("no reason", incA.ID, `{"patient_id":"`+c.recA+`"}`, 422, ward.CodeReasonRequired),
				bc("another org's patient", incA.ID, `{"patient_id":"`+c.recB+`","reason":"r"}`, 404, ward.CodeNotFound),
				bc("an unknown patient", incA.ID, `{"patient_id":"01a20fde-0000-7000-8000-000000000000","reason":"r"}`, 404, ward.CodeNotFound),
				bc("a state that is no state", incA.ID, `{"patient_id":"`+c.recA+`","state":"California","reason":"r"}`, 400, ward.CodeInvalid),
			}),
		"POST /api/v1/incidents/{id}/patients/{patient_id}/remove": cat(withBody(idCases(c.comp, incB.ID), remove), []badCase{
			{name: "no reason", path: base + incA.ID + "/patients/" + c.recA + "/remove", token: c.comp, ctype: j, body: `{"reason":" "}`, status: 422, code: ward.CodeReasonRequired},
			{name: "another org's patient", path: base + incA.ID + "/patients/" + c.recB + "/remove", token: c.comp, ctype: j, body: remove, status: 404, code: ward.CodeNotFound},
			{name: "a closed incident", path: base + closed.ID + "/patients/" + c.recA + "/remove", token: c.comp, ctype: j, body: remove, status: 409, code: ward.CodeIncidentClosed},
			{name: "an admin", path: base + incA.ID + "/patients/" + c.recA + "/remove", token: c.admin, ctype: j, body: remove, status: 403, code: ward.CodeForbidden},
			{name: "malformed JSON", path: base + incA.ID + "/patients/" + c.recA + "/remove", token: c.comp, ctype: j, body: `{"reason":`, status: 400, code: ward.CodeInvalid},
			{name: "unknown field", path: base + incA.ID + "/patients/" + c.recA + "/remove", token: c.comp, ctype: j, body: `{"reason":"r","x":1}`, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/incidents/{id}/letters/{patient_id}": cat(idCases(c.comp, incB.ID), []badCase{
			{name: "a patient not affected", path: base + incA.ID + "/letters/" + c.recB, token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "an admin", path: base + incA.ID + "/letters/" + c.recA, token: c.admin, status: 403, code: ward.CodeForbidden},
			{name: "a clinician", path: base + incA.ID + "/letters/" + c.recA, token: c.nurse, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/incidents/{id}/hhs": cat(idCases(c.comp, incB.ID), refused(incA.ID, ""), []badCase{
			{name: "format=xml", path: base + incA.ID + "/hhs?format=xml", token: c.comp, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/incidents/{id}/close": cat(idCases(c.comp, incB.ID), refused(incA.ID, ""), []badCase{closedCase(""),
			{name: "cookie without CSRF header", id: incA.ID, token: c.comp, cookie: true, status: 403, code: ward.CodeForbidden},
		}),

		"GET /api/v1/baas":           cat(c.garbage, refusedBy(notBAA, "", "")),
		"POST /api/v1/baas":          cat(jsonCases(c.admin, "", `{"vendor":7}`), c.noCSRF(c.admin), baaCases(""), refusedBy(notBAA, "", baaGood)),
		"GET /api/v1/baas/dashboard": cat(c.garbage, refusedBy(notBAA, "", "")),
		"GET /api/v1/baas/{id}":      cat(idCases(c.admin, baaB.ID), refusedBy(notBAA, baaA.ID, "")),
		"PUT /api/v1/baas/{id}": cat(jsonCases(c.admin, baaA.ID, `{"vendor":7}`), withBody(idCases(c.admin, baaB.ID), baaGood),
			baaCases(baaA.ID), refusedBy(notBAA, baaA.ID, baaGood)),
		"PUT /api/v1/baas/{id}/document": docCases(),
		"GET /api/v1/baas/{id}/document": cat(idCases(c.admin, baaB.ID), refusedBy(notBAA, baaA.ID, ""), []badCase{
			{name: "no document yet", id: baaA.ID, token: c.comp, status: 404, code: ward.CodeNotFound},
		}),
	}
}
