package httpapi_test

import (
	"testing"

	"github.com/wardhealth/ward"
)

// accountingBadCases are the bad requests of the accounting of disclosures
// and the conformance report: an unknown patient (an MRN no record has,
// another org's record), a period that ends before it starts, a request
// logged in the future, an unknown format, an admin asking for an
// accounting. Each answers with its code and writes nothing.
func accountingBadCases(t *testing.T, c reviewCaller) map[string][]badCase {
	t.Helper()
	j := "application/json"
	acc := "/api/v1/compliance/accounting"
	return map[string][]badCase{
		"POST /api/v1/compliance/accounting": cat(jsonCases(c.comp, "", `{"mrn":7}`), c.garbage, c.noCSRF(c.comp), []badCase{
			{name: "no patient", token: c.comp, ctype: j, body: `{}`, status: 400, code: ward.CodeInvalid},
			{name: "an unknown MRN", token: c.comp, ctype: j, body: `{"mrn":"NO-SUCH-MRN"}`, status: 404, code: ward.CodeUnknownPatient},
			{name: "another org's record", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recB + `"}`, status: 404, code: ward.CodeUnknownPatient},
			{name: "mrn and id", token: c.comp, ctype: j, body: `{"mrn":"X","patient_id":"` + c.recA + `"}`, status: 400, code: ward.CodeInvalid},
			{name: "from after to", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recA + `","from":"2026-12-01","to":"2026-11-01"}`, status: 400, code: ward.CodeInvalid},
			{name: "a bad date", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recA + `","from":"yesterday"}`, status: 400, code: ward.CodeInvalid},
			{name: "a bad format", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recA + `","format":"xlsx"}`, status: 400, code: ward.CodeInvalid},
			{name: "a request and a patient", token: c.comp, ctype: j, body: `{"request_id":"r","mrn":"X"}`, status: 400, code: ward.CodeInvalid},
			{name: "an unknown request", token: c.comp, ctype: j, body: `{"request_id":"01a20fde-0000-7000-8000-000000000000"}`, status: 404, code: ward.CodeNotFound},
			{name: "requested_at here", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recA + `","requested_at":"2026-01-01"}`, status: 400, code: ward.CodeInvalid},
			{name: "as an admin", token: c.admin, ctype: j, body: `{"patient_id":"` + c.recA + `"}`, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/compliance/accounting/requests": cat(jsonCases(c.comp, "", `{"from":1}`), c.garbage, c.noCSRF(c.comp), []badCase{
			{name: "an unknown MRN", path: acc + "/requests", token: c.comp, ctype: j, body: `{"mrn":"NO-SUCH-MRN"}`, status: 404, code: ward.CodeUnknownPatient},
			{name: "in the future", path: acc + "/requests", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recA + `","requested_at":"2999-01-01"}`, status: 400, code: ward.CodeInvalid},
			{name: "with a format", path: acc + "/requests", token: c.comp, ctype: j, body: `{"patient_id":"` + c.recA + `","format":"pdf"}`, status: 400, code: ward.CodeInvalid},
			{name: "as staff", path: acc + "/requests", token: c.staff, ctype: j, body: `{"patient_id":"` + c.recA + `"}`, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/accounting/requests": cat(c.garbage, []badCase{
			{name: "as an admin", path: acc + "/requests", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/report": cat(c.garbage, []badCase{
			{name: "a bad format", path: "/api/v1/compliance/report?format=docx", token: c.admin, status: 400, code: ward.CodeInvalid},
			{name: "as staff", path: "/api/v1/compliance/report", token: c.staff, status: 403, code: ward.CodeForbidden},
		}),
	}
}
