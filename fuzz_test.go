package ward

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzPolicyJSON decodes arbitrary policy documents (PUT /api/v1/policy):
// no panic, and whatever decodes and validates survives a round trip.
func FuzzPolicyJSON(f *testing.F) {
	good, _ := json.Marshal(DefaultPolicy())
	for _, s := range []string{string(good), `{"idle_timeout":-1}`, `{"idle_timeout":1e30}`, `{"idle_timeout":"9"}`,
		`{"session_lifetime":9223372036854775807}`, `{}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := DefaultPolicy()
		if json.Unmarshal(b, &p) != nil || p.Validate() != nil {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Policy
		if err := json.Unmarshal(again, &q); err != nil || q != p {
			t.Fatalf("round trip changed the policy: %+v → %+v (%v)", p, q, err)
		}
	})
}

// FuzzAttachmentName runs client file names (X-Filename, ?name=) through
// the sanitiser: no panic, no path, no control or bidi characters, valid
// UTF-8 within the length limit, and the sanitiser is idempotent.
func FuzzAttachmentName(f *testing.F) {
	for _, s := range []string{"scan.pdf", "../../etc/passwd", `C:\x\y.pdf`, "a\x00b.png", "\u202egnp.exe", "CON.txt",
		"   ..hidden..  ", strings.Repeat("é", 300) + ".pdf", "\xff\xfe.txt", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SanitizeFileName(name)
		if !utf8.ValidString(got) || len(got) > MaxAttachmentNameLen || strings.ContainsAny(got, "/\\\x00") {
			t.Fatalf("SanitizeFileName(%q) = %q", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("SanitizeFileName(%q) = %q keeps %U", name, got, r)
			}
		}
		if again := SanitizeFileName(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", name, got, again)
		}
		_ = AttachmentName(name, "application/pdf")
	})
}
