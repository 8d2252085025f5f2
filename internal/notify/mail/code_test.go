package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// TestEmailCodeMessage (issue 22): the invitation's one-time code message
// holds the clinic, six digits and the expiry, and refuses anything else.
func TestEmailCodeMessage(t *testing.T) {
	exp := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	subject, body, err := EmailCode{Clinic: "St Mary", Code: "042917", Expires: exp}.render()
	if err != nil || subject != "St Mary: your code" || !strings.Contains(body, "042917") || !strings.Contains(body, "18:00 UTC") {
		t.Fatalf("%q %q %v", subject, body, err)
	}
	for _, m := range []EmailCode{
		{Clinic: "St Mary", Code: "42917", Expires: exp},
		{Clinic: "St Mary", Code: "04291a", Expires: exp},
		{Clinic: "St Mary", Code: "042917 Jane Doe", Expires: exp},
		{Clinic: "", Code: "042917", Expires: exp},
		{Clinic: "St Mary", Code: "042917"},
	} {
		if _, _, err := m.render(); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%+v: %v, want invalid_input", m, err)
		}
	}
}
