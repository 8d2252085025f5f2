package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// TestEmailCodeMessage (issue 22): the one-time code messages (an
// invitation's, EmailCode, and a secure message's, AccessCode) hold the
// clinic, six digits and the expiry, and refuse anything else.
func TestEmailCodeMessage(t *testing.T) {
	exp := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		kind string
		msg  func(clinic, code string, exp time.Time) Message
		says string
	}{
		{"EmailCode", func(c, code string, e time.Time) Message { return EmailCode{Clinic: c, Code: code, Expires: e} }, "set up your St Mary account"},
		{"AccessCode", func(c, code string, e time.Time) Message { return AccessCode{Clinic: c, Code: code, Expires: e} }, "secure message from St Mary"},
	} {
		subject, body, err := tc.msg("St Mary", "042917", exp).render()
		if err != nil || subject != "St Mary: your code" || !strings.Contains(body, "042917") || !strings.Contains(body, "18:00 UTC") ||
			!strings.Contains(body, tc.says) {
			t.Fatalf("%s: %q %q %v", tc.kind, subject, body, err)
		}
		for _, bad := range []struct {
			clinic, code string
			exp          time.Time
		}{
			{"St Mary", "42917", exp},
			{"St Mary", "04291a", exp},
			{"St Mary", "042917 Jane Doe", exp},
			{"", "042917", exp},
			{"St Mary", "042917", time.Time{}},
		} {
			if _, _, err := tc.msg(bad.clinic, bad.code, bad.exp).render(); ward.ErrorCode(err) != ward.CodeInvalid {
				t.Errorf("%s %+v: %v, want invalid_input", tc.kind, bad, err)
			}
		}
	}
}
