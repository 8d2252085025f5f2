package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// FuzzDecode feeds arbitrary bodies to the strict JSON decoder of every
// request: it must never panic, must answer a ward error for anything it
// refuses, and must accept only valid UTF-8 within the size limit.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.org","password":"x","device":{"id":"12345678","name":"n"}}`,
		`{"email":`, `{"email":42}`, `{} {}`, `[]`, `null`, `{"unknown":1}`, "{\"email\":\"\xff\"}",
		`{"device":{"id":["x"]}}`, `{"cookie":true,"totp":"123456"}`, "\ufeff{}", `{"email":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/sessions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v loginRequest
		err := decode(r, &v)
		if err == nil {
			if !utf8.Valid(body) || len(body) > maxJSONBody {
				t.Fatalf("accepted a body that is not valid UTF-8 or over the limit: %q", body)
			}
			return
		}
		if ward.ErrorCode(err) == ward.CodeInternal {
			t.Fatalf("decode answered an internal error: %v", err)
		}
	})
}
