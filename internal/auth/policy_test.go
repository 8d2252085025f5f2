package auth

import (
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

func TestCheckPassword(t *testing.T) {
	personal := []string{"Jane.Doe@example.org", "Jane Doe", "Riverside Clinic"}
	for _, tt := range []struct {
		name, password string
		wantErr        string // a word of the message; "" means accepted
	}{
		{"passphrase", "correct horse battery staple", ""},
		{"exactly 12", "x7#kQ!m2vLp9", ""},
		{"no composition rules: all lower case", "plumtreewindowsill", ""},
		{"unicode counts runes", "ñandú ñandú ñ", ""},
		{"emoji", "🔒🏥 night shift rota", ""},
		{"spaces allowed inside and around", " paste  with  spaces ", ""},
		{"at the byte limit", strings.Repeat("long passphrase ", 64), ""},
		{"name inside a longer passphrase is fine", "jane likes long walks by the river", ""},

		{"too short", "short pass1", "too short"},
		{"11 runes, 22 bytes", "ñññññññññññ", "too short"},
		{"NFKC shortens: 6 ligatures", "ﬃﬃﬃ", "too short"},
		{"over the byte limit", strings.Repeat("a long passphrase", 61), "too long"},
		{"invalid UTF-8", "valid start \xff then junk", "UTF-8"},
		{"tab", "correct\thorse battery", "control"},
		{"newline", "correct horse battery\n", "control"},
		{"NUL", "correct horse\x00battery", "control"},

		{"common, 12+", "1qaz2wsx3edc", "too common"},
		{"common, any case", "QwertyUIOP123", "too common"},
		{"common plus digits", "password2024", "too common"},
		{"common plus symbols", "iloveyou!!!!", "too common"},
		{"common, fullwidth folds by NFKC", "ｐａｓｓｗｏｒｄ１２３４", "too common"},

		{"one character", "aaaaaaaaaaaaaaaa", "predictable"},
		{"pair repeated", "abababababab", "predictable"},
		{"group of four repeated", "w0rdw0rdw0rdw0rd", "predictable"},
		{"digits up, wrapping", "567890123456", "predictable"},
		{"digits down", "987654321098", "predictable"},
		{"letters up", "abcdefghijklm", "predictable"},
		{"letters down", "zyxwvutsrqpon", "predictable"},

		{"email", "jane.doe@example.org", "email"},
		{"email, other case", "JANE.DOE@EXAMPLE.ORG", "email"},
		{"email local part", "jane.doe.....", "email"},
		{"name without space, plus digits", "JaneDoe-2024!!", "email"},
		{"name plus year", "Jane Doe 1990!", "email"},
		{"org name", "riverside-clinic", "email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.password, personal...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckPassword(%q) = %v, want nil", tt.password, err)
				}
				return
			}
			if ward.ErrorCode(err) != ward.CodeInvalid || !strings.Contains(ward.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("CheckPassword(%q) = %v, want invalid_input mentioning %q", tt.password, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), tt.password) {
				t.Fatalf("error %q echoes the password", err)
			}
		})
	}
}

func TestCheckPasswordNoPersonal(t *testing.T) {
	if err := CheckPassword("correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	if err := CheckPassword("correct horse battery staple", "", "  ", "ab"); err != nil {
		t.Fatalf("blank or tiny personal strings must not match: %v", err)
	}
}

func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	if len(set) != 49_233 {
		t.Errorf("list has %d entries, want 49233 (see the header of common-passwords.txt)", len(set))
	}
	for _, p := range []string{"123456", "password", "qwertyuiop", "1qaz2wsx3edc", "#name?"} {
		if !isCommonPassword(p) {
			t.Errorf("%q is not on the list", p)
		}
	}
	for p := range set {
		if p == "" || strings.HasPrefix(p, "# ") || p != strings.ToLower(p) || strings.TrimSpace(p) != p {
			t.Errorf("bad entry %q", p)
		}
	}
	if isCommonPassword("correct horse battery staple") {
		t.Error("a passphrase is on the list")
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	commonPasswords()
	for b.Loop() {
		_ = CheckPassword("correct horse battery staple", "jane.doe@example.org", "Jane Doe")
	}
}
