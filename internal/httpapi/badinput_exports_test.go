package httpapi_test

import (
	"context"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/archive/jobs"
)

// exportCaller are the sessions and things TestBadInputEveryRoute lends
// the archive export cases.
type exportCaller struct {
	comp, admin, nurse string // org A's tokens
	conv, convB        string // a conversation with messages in org A, one in org B
	garbage            []badCase
	noCSRF             func(tok string) []badCase
}

// exportBadCases starts an export in each org, both held before they write
// anything (running, never done), and returns the bad requests for every
// archive export route: no key or two, a bad recipient, a short
// passphrase, two selections, an unknown MRN, a range with no data, other
// orgs' ids, the download of an unfinished export, and admins.
func exportBadCases(t *testing.T, e *env, c exportCaller) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	held := jobs.New(jobs.Config{Store: e.f.Store, Keyring: e.f.Keyring, Blobs: e.f.Blobs, Dir: filepath.Join(t.TempDir(), "held"),
		Now: e.f.Clock.Now, Hold: func(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }})
	t.Cleanup(held.Close)
	principal := func(tok string) *app.Principal {
		p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const pw = "elsewhere export passphrase"
	if _, err := e.f.App.AddUser(ctx, "elsewhere", app.NewUser{Email: "exports@elsewhere.example", Name: "B Exports", Role: ward.RoleCompliance, Password: pw}); err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	rcpt := id.Recipient().String()
	jobA, err := held.Start(ctx, principal(c.comp), jobs.StartRequest{ConversationID: c.conv, Recipient: rcpt})
	if err != nil {
		t.Fatal(err)
	}
	jobB, err := held.Start(ctx, principal(e.token(t, "exports@elsewhere.example", pw)), jobs.StartRequest{ConversationID: c.convB, Recipient: rcpt})
	if err != nil {
		t.Fatal(err)
	}
	j := "application/json"
	start := func(name, token, body string, status int, code ward.Code) badCase {
		return badCase{name: name, token: token, ctype: j, body: body, status: status, code: code}
	}
	conv := `"conversation_id":"` + c.conv + `"`
	return map[string][]badCase{
		"POST /api/v1/compliance/exports": cat(jsonCases(c.comp, "", `{"mrn":5}`), c.garbage, c.noCSRF(c.comp), []badCase{
			start("no key", c.comp, `{`+conv+`}`, 400, ward.CodeInvalid),
			start("both keys", c.comp, `{`+conv+`,"recipient":"`+rcpt+`","passphrase":"a long enough passphrase"}`, 400, ward.CodeInvalid),
			start("a bad recipient", c.comp, `{`+conv+`,"recipient":"age1nope"}`, 400, ward.CodeInvalid),
			start("a short passphrase", c.comp, `{`+conv+`,"passphrase":"short"}`, 400, ward.CodeInvalid),
			start("two selections", c.comp, `{`+conv+`,"mrn":"M-1","recipient":"`+rcpt+`"}`, 400, ward.CodeInvalid),
			start("an unknown MRN", c.comp, `{"mrn":"NO-SUCH-MRN","recipient":"`+rcpt+`"}`, 404, ward.CodeNotFound),
			start("a range with no data", c.comp, `{`+conv+`,"from":"2001-01-01","to":"2002-01-01","recipient":"`+rcpt+`"}`, 404, ward.CodeNotFound),
			start("from after to", c.comp, `{`+conv+`,"from":"2002-01-01","to":"2001-01-01","recipient":"`+rcpt+`"}`, 400, ward.CodeInvalid),
			start("a bad date", c.comp, `{`+conv+`,"from":"yesterday","recipient":"`+rcpt+`"}`, 400, ward.CodeInvalid),
			start("other org's conversation", c.comp, `{"conversation_id":"`+c.convB+`","recipient":"`+rcpt+`"}`, 404, ward.CodeNotFound),
			start("as an admin", c.admin, `{`+conv+`,"recipient":"`+rcpt+`"}`, 403, ward.CodeForbidden),
			start("as staff", c.nurse, `{`+conv+`,"recipient":"`+rcpt+`"}`, 403, ward.CodeForbidden),
		}),
		"GET /api/v1/compliance/exports": cat(c.garbage, []badCase{
			{name: "as an admin", token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/exports/{id}": cat(idCases(c.comp, jobB.ID), []badCase{
			{name: "as an admin", id: jobA.ID, token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/compliance/exports/{id}/cancel": cat(idCases(c.comp, jobB.ID), withID(c.noCSRF(c.comp), jobA.ID), []badCase{
			{name: "as an admin", id: jobA.ID, token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/compliance/exports/{id}/file": cat(idCases(c.comp, jobB.ID), []badCase{
			{name: "not finished", id: jobA.ID, token: c.comp, status: 409, code: ward.CodeConflict},
			{name: "as an admin", id: jobA.ID, token: c.admin, status: 403, code: ward.CodeForbidden},
		}),
	}
}
