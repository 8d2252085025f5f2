package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/compliance"
)

// reviewCaller are the sessions and things TestBadInputEveryRoute lends
// the compliance review and break-glass cases.
type reviewCaller struct {
	comp, admin, nurse, staff string // org A's tokens
	conv, convB               string // a conversation about no patient in org A, one in org B
	recA, recB                string // patient records in org A and org B
	unsentAtt, attB           string // attachments: org A's unsent upload, org B's
	otherNurse                *app.Principal
	garbage                   []badCase
	noCSRF                    func(tok string) []badCase
}

// reviewBadCases opens a review (compliance, org A, on conv) and a
// break-glass (the clinician, on recA), and the same in org B, and returns
// the bad requests for every review and break-glass route: a review or
// break-glass without a reason or beyond the policy's time box, other
// orgs' ids, a break-glass reading a conversation about someone else.
func reviewBadCases(t *testing.T, e *env, c reviewCaller) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	svc := compliance.New(compliance.Config{Store: e.f.Store, Keyring: e.f.Keyring, Transcripts: e.f.App, Now: e.f.Clock.Now})
	principal := func(tok string) *app.Principal {
		p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const pw = "elsewhere compliance passphrase"
	if _, err := e.f.App.AddUser(ctx, "elsewhere", app.NewUser{Email: "comp@elsewhere.example", Name: "B Comp", Role: ward.RoleCompliance, Password: pw}); err != nil {
		t.Fatal(err)
	}
	compB := principal(e.token(t, "comp@elsewhere.example", pw))
	why := ward.Reason{Category: ward.ReasonComplaint, Text: "a complaint"}
	review, err := svc.OpenReview(ctx, principal(c.comp), c.conv, why, 0)
	if err != nil {
		t.Fatal(err)
	}
	reviewB, err := svc.OpenReview(ctx, compB, c.convB, why, 0)
	if err != nil {
		t.Fatal(err)
	}
	emergency := ward.Reason{Category: ward.ReasonEmergency, Text: "arrest in the ED"}
	bg, err := svc.BreakGlass(ctx, principal(c.nurse), c.recA, emergency, 0)
	if err != nil {
		t.Fatal(err)
	}
	bgB, err := svc.BreakGlass(ctx, c.otherNurse, c.recB, emergency, 0)
	if err != nil {
		t.Fatal(err)
	}
	j := "application/json"
	att := func(reviewID, attID, query string) string {
		return "/api/v1/compliance/reviews/" + reviewID + "/attachments/" + attID + query
	}
	bgMsgs := func(id, conv, query string) string {
		return "/api/v1/breakglass/" + id + "/conversations/" + conv + "/messages" + query
	}
	bgAtt := func(id, conv, attID, query string) string {
		return "/api/v1/breakglass/" + id + "/conversations/" + conv + "/attachments/" + attID + query
	}
	return map[string][]badCase{
		"GET /api/v1/compliance/conversations": cat(c.garbage, []badCase{
			{name: "no filter", path: "/api/v1/compliance/conversations", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "a bad date", path: "/api/v1/compliance/conversations?from=yesterday", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "from after to", path: "/api/v1/compliance/conversations?from=2026-12-01&to=2026-11-01", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "a huge id", path: "/api/v1/compliance/conversations?id=" + strings.Repeat("9", 65), token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", path: "/api/v1/compliance/conversations?patient=" + c.recA, token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/compliance/reviews": cat(jsonCases(c.comp, "", `{"minutes":"sixty"}`), c.garbage, c.noCSRF(c.comp), []badCase{
			{name: "no reason", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"complaint"}`, status: 422, code: ward.CodeReasonRequired},
			{name: "a blank reason", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"complaint","reason":"   "}`, status: 422, code: ward.CodeReasonRequired},
			{name: "no category", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","reason":"why"}`, status: 422, code: ward.CodeReasonRequired},
			{name: "an unknown category", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"curious","reason":"why"}`, status: 400, code: ward.CodeInvalid},
			{name: "a time box beyond policy", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"complaint","reason":"why","minutes":61}`, status: 422, code: ward.CodeTimeBoxTooLong},
			{name: "minutes that overflow a duration", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"complaint","reason":"why","minutes":153722867280912931}`, status: 422, code: ward.CodeTimeBoxTooLong},
			{name: "negative minutes", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"complaint","reason":"why","minutes":-5}`, status: 400, code: ward.CodeInvalid},
			{name: "no conversation", token: c.comp, ctype: j, body: `{"category":"complaint","reason":"why"}`, status: 404, code: ward.CodeNotFound},
			{name: "other org's conversation", token: c.comp, ctype: j, body: `{"conversation_id":"` + c.convB + `","category":"complaint","reason":"why"}`, status: 404, code: ward.CodeNotFound},
			{name: "as an admin", token: c.admin, ctype: j, body: `{"conversation_id":"` + c.conv + `","category":"complaint","reason":"why"}`, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/reviews": cat(c.garbage, []badCase{
			{name: "a bad cursor", path: "/api/v1/compliance/reviews?before=soon", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", path: "/api/v1/compliance/reviews", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/reviews/{id}": cat(idCases(c.comp, reviewB.ID), []badCase{
			{name: "a break-glass id", id: bg.ID, token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "as an admin", id: review.ID, token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/reviews/{id}/messages": cat(idCases(c.comp, reviewB.ID), []badCase{
			{name: "after=-1", path: "/api/v1/compliance/reviews/" + review.ID + "/messages?after=-1", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "limit=abc", path: "/api/v1/compliance/reviews/" + review.ID + "/messages?limit=abc", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "limit=999", path: "/api/v1/compliance/reviews/" + review.ID + "/messages?limit=999", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", id: review.ID, token: c.admin, status: 403, code: ward.CodeForbidden},
			{name: "as a member", id: review.ID, token: c.nurse, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/reviews/{id}/attachments/{attachment_id}": {
			{name: "an unknown attachment", path: att(review.ID, "01a20fde-0000-7000-8000-000000000000", ""), token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "an unsent upload", path: att(review.ID, c.unsentAtt, ""), token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "other org's attachment", path: att(review.ID, c.attB, ""), token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "other org's review", path: att(reviewB.ID, c.attB, ""), token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "a malformed review id", path: att("not-an-id", c.unsentAtt, ""), token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "inline=2", path: att(review.ID, c.unsentAtt, "?inline=2"), token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", path: att(review.ID, c.unsentAtt, ""), token: c.admin, status: 403, code: ward.CodeForbidden},
		},
		"GET /api/v1/compliance/reviews/{id}/held": cat(idCases(c.comp, reviewB.ID), []badCase{
			{name: "a break-glass id", id: bg.ID, token: c.comp, status: 404, code: ward.CodeNotFound},
			{name: "as an admin", id: review.ID, token: c.admin, status: 403, code: ward.CodeForbidden},
			{name: "as a member", id: review.ID, token: c.nurse, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/dashboard": cat(c.garbage, []badCase{
			{name: "as an admin", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/breakglass": cat(c.garbage, []badCase{
			{name: "unreviewed=2", path: "/api/v1/compliance/breakglass?unreviewed=2", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "a bad cursor", path: "/api/v1/compliance/breakglass?before=x", token: c.comp, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/compliance/breakglass/{id}/verdict": cat(jsonCases(c.comp, bg.ID, `{"verdict":5}`),
			withBody(idCases(c.comp, bgB.ID), `{"verdict":"justified","note":"n"}`), withID(c.noCSRF(c.comp), bg.ID), []badCase{
				{name: "no note", id: bg.ID, token: c.comp, ctype: j, body: `{"verdict":"justified"}`, status: 422, code: ward.CodeReasonRequired},
				{name: "an unknown verdict", id: bg.ID, token: c.comp, ctype: j, body: `{"verdict":"maybe","note":"n"}`, status: 400, code: ward.CodeInvalid},
				{name: "a review's id", id: review.ID, token: c.comp, ctype: j, body: `{"verdict":"justified","note":"n"}`, status: 404, code: ward.CodeNotFound},
				{name: "as an admin", id: bg.ID, token: c.admin, ctype: j, body: `{"verdict":"justified","note":"n"}`, status: 403, code: ward.CodeForbidden},
			}),
		"POST /api/v1/breakglass": cat(jsonCases(c.nurse, "", `{"minutes":"x"}`), c.garbage, c.noCSRF(c.nurse), []badCase{
			{name: "no reason", token: c.nurse, ctype: j, body: `{"patient_id":"` + c.recA + `","category":"emergency"}`, status: 422, code: ward.CodeReasonRequired},
			{name: "a time box beyond policy", token: c.nurse, ctype: j, body: `{"patient_id":"` + c.recA + `","category":"emergency","reason":"arrest","minutes":600}`, status: 422, code: ward.CodeTimeBoxTooLong},
			{name: "a review's category", token: c.nurse, ctype: j, body: `{"patient_id":"` + c.recA + `","category":"complaint","reason":"arrest"}`, status: 400, code: ward.CodeInvalid},
			{name: "an unknown patient", token: c.nurse, ctype: j, body: `{"patient_id":"01a20fde-0000-7000-8000-000000000000","category":"emergency","reason":"arrest"}`, status: 404, code: ward.CodeNotFound},
			{name: "other org's patient", token: c.nurse, ctype: j, body: `{"patient_id":"` + c.recB + `","category":"emergency","reason":"arrest"}`, status: 404, code: ward.CodeNotFound},
			{name: "as staff", token: c.staff, ctype: j, body: `{"patient_id":"` + c.recA + `","category":"emergency","reason":"arrest"}`, status: 403, code: ward.CodeForbidden},
			{name: "as an admin", token: c.admin, ctype: j, body: `{"patient_id":"` + c.recA + `","category":"emergency","reason":"arrest"}`, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/breakglass/{id}/conversations": cat(idCases(c.nurse, bgB.ID), []badCase{
			{name: "as staff", id: bg.ID, token: c.staff, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/breakglass/{id}/conversations/{conversation_id}/messages": {
			{name: "a conversation about no one", path: bgMsgs(bg.ID, c.conv, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "other org's conversation", path: bgMsgs(bg.ID, c.convB, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "other org's break-glass", path: bgMsgs(bgB.ID, c.convB, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "a malformed id", path: bgMsgs("not-an-id", c.conv, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "limit=abc", path: bgMsgs(bg.ID, c.conv, "?limit=abc"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "as staff", path: bgMsgs(bg.ID, c.conv, ""), token: c.staff, status: 403, code: ward.CodeForbidden},
		},
		"GET /api/v1/breakglass/{id}/conversations/{conversation_id}/attachments/{attachment_id}": {
			{name: "a conversation about no one", path: bgAtt(bg.ID, c.conv, c.unsentAtt, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "other org's attachment", path: bgAtt(bg.ID, c.convB, c.attB, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "other org's break-glass", path: bgAtt(bgB.ID, c.convB, c.attB, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "a malformed id", path: bgAtt("not-an-id", c.conv, c.unsentAtt, ""), token: c.nurse, status: 404, code: ward.CodeNotFound},
			{name: "inline=2", path: bgAtt(bg.ID, c.conv, c.unsentAtt, "?inline=2"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "as staff", path: bgAtt(bg.ID, c.conv, c.unsentAtt, ""), token: c.staff, status: 403, code: ward.CodeForbidden},
			{name: "as an admin", path: bgAtt(bg.ID, c.conv, c.unsentAtt, ""), token: c.admin, status: 403, code: ward.CodeForbidden},
		},
	}
}

// withID sets the {id} of cases.
func withID(cs []badCase, id string) []badCase {
	for i := range cs {
		cs[i].id = id
	}
	return cs
}
