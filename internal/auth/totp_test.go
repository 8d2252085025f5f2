package auth

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
)

func TestNewTOTPKey(t *testing.T) {
	k, err := NewTOTPKey("jane.doe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Secret) != 32 { // 20 bytes in unpadded base32
		t.Errorf("secret %q has %d characters, want 32", k.Secret, len(k.Secret))
	}
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/ward:jane.doe@example.org" ||
		q.Get("secret") != k.Secret || q.Get("issuer") != "ward" || q.Get("period") != "30" ||
		q.Get("digits") != "6" || q.Get("algorithm") != "SHA1" {
		t.Errorf("URL %q is not what authenticator apps expect", k.URL)
	}
	k2, _ := NewTOTPKey("jane.doe@example.org")
	if k2.Secret == k.Secret {
		t.Error("two keys share a secret")
	}
	if _, err := NewTOTPKey(" "); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Errorf("NewTOTPKey(blank) err = %v, want invalid", err)
	}
}

// The RFC 6238 appendix B vectors for SHA-1, cut to 6 digits.
func TestValidateTOTPRFC6238Vectors(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, tt := range []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		now := time.Unix(tt.unix, 0)
		step, err := ValidateTOTP(secret, tt.code, now, 0)
		if err != nil || step != tt.unix/30 {
			t.Errorf("ValidateTOTP(%s at %d) = %d, %v; want %d, nil", tt.code, tt.unix, step, err, tt.unix/30)
		}
	}
}

func TestValidateTOTP(t *testing.T) {
	k, err := NewTOTPKey("jane.doe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 3, 0, 10, 0, time.UTC)
	at := func(d time.Duration) string {
		c, err := totp.GenerateCode(k.Secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	step := TOTPStep(now)
	for _, tt := range []struct {
		name     string
		code     string
		secret   string
		lastStep int64
		want     int64
		wantCode ward.Code
	}{
		{"now", at(0), k.Secret, 0, step, ""},
		{"with a space", at(0)[:3] + " " + at(0)[3:], k.Secret, 0, step, ""},
		{"lower-case secret", at(0), strings.ToLower(k.Secret), 0, step, ""},
		{"one step behind", at(-30 * time.Second), k.Secret, 0, step - 1, ""},
		{"one step ahead", at(30 * time.Second), k.Secret, 0, step + 1, ""},
		{"two steps behind", at(-60 * time.Second), k.Secret, 0, 0, ward.CodeUnauth},
		{"two steps ahead", at(60 * time.Second), k.Secret, 0, 0, ward.CodeUnauth},
		{"replayed", at(0), k.Secret, step, 0, ward.CodeUnauth},
		{"older than the last used", at(-30 * time.Second), k.Secret, step, 0, ward.CodeUnauth},
		{"newer than the last used", at(30 * time.Second), k.Secret, step, step + 1, ""},
		{"five digits", at(0)[:5], k.Secret, 0, 0, ward.CodeInvalid},
		{"seven digits", at(0) + "1", k.Secret, 0, 0, ward.CodeInvalid},
		{"letters", "12a456", k.Secret, 0, 0, ward.CodeInvalid},
		{"empty", "", k.Secret, 0, 0, ward.CodeInvalid},
		{"secret not base32", at(0), "not base32!", 0, 0, ward.CodeIntegrity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateTOTP(tt.secret, tt.code, now, tt.lastStep)
			if ward.ErrorCode(err) != tt.wantCode || got != tt.want {
				t.Fatalf("ValidateTOTP = %d, %v; want %d, code %q", got, err, tt.want, tt.wantCode)
			}
		})
	}
	// The replay message tells the user what to do.
	_, err = ValidateTOTP(k.Secret, at(0), now, step)
	if !strings.Contains(ward.ErrorMessage(err), "already used") {
		t.Errorf("replay message = %q", ward.ErrorMessage(err))
	}
}
