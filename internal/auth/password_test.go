package auth

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward"
)

// fastParams keep tests quick; DefaultParams are exercised where they matter.
func fastParams() Params { return Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} }

func TestHashPasswordFormat(t *testing.T) {
	enc, err := HashPassword("correct horse battery staple", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(enc) {
		t.Fatalf("hash %q is not in PHC form", enc)
	}
	ok, err := VerifyPassword("correct horse battery staple", enc)
	if err != nil || !ok {
		t.Fatalf("VerifyPassword(right) = %v, %v; want true, nil", ok, err)
	}
	if NeedsRehash(enc, DefaultParams()) {
		t.Error("NeedsRehash(default hash, default params) = true")
	}
}

func TestHashPasswordSalted(t *testing.T) {
	a, _ := HashPassword("same password here", fastParams())
	b, _ := HashPassword("same password here", fastParams())
	if a == b {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestVerifyPassword(t *testing.T) {
	enc, err := HashPassword("Ünïcödé passphrase ﬁne", fastParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, password string
		want           bool
	}{
		{"same", "Ünïcödé passphrase ﬁne", true},
		{"NFKC equivalent (ligature fi, decomposed umlauts)", "U\u0308nïcödé passphrase fine", true},
		{"wrong", "Ünïcödé passphrase fine!", false},
		{"case", "ünïcödé passphrase ﬁne", false},
		{"empty", "", false},
		{"invalid UTF-8", "\xff\xfe", false},
		{"over the byte limit", strings.Repeat("x", MaxPasswordBytes+1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyPassword(tt.password, enc)
			if err != nil || got != tt.want {
				t.Fatalf("VerifyPassword = %v, %v; want %v, nil", got, err, tt.want)
			}
		})
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("a fine long password", fastParams())
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, key
	for _, tt := range []struct{ name, enc string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu5Yb2dFQpNaJ0Qn3OZQ1aYjvB8f2fM6"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"version 16", strings.Replace(good, "v=19", "v=16", 1)},
		{"missing key", strings.Join(parts[:5], "$")},
		{"extra field", good + "$x"},
		{"params order", strings.Replace(good, "m=64,t=1,p=1", "t=1,m=64,p=1", 1)},
		{"params missing p", strings.Replace(good, "m=64,t=1,p=1", "m=64,t=1", 1)},
		{"params not numbers", strings.Replace(good, "m=64", "m=x", 1)},
		{"memory huge", strings.Replace(good, "m=64", "m=4294967295", 1)},
		{"time huge", strings.Replace(good, "t=1", "t=100000", 1)},
		{"threads zero", strings.Replace(good, "p=1", "p=0", 1)},
		{"threads 256", strings.Replace(good, "p=1", "p=256", 1)},
		{"salt not base64", strings.Replace(good, parts[4], "!!!!", 1)},
		{"salt short", strings.Replace(good, parts[4], "AAAA", 1)},
		{"key short", strings.Replace(good, parts[5], "AAAA", 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword("a fine long password", tt.enc)
			if ok || ward.ErrorCode(err) != ward.CodeIntegrity {
				t.Fatalf("VerifyPassword(%q) = %v, %v; want false and an integrity error", tt.enc, ok, err)
			}
			if !NeedsRehash(tt.enc, fastParams()) {
				t.Error("NeedsRehash(malformed) = false")
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	enc, _ := HashPassword("a fine long password", fastParams())
	for _, tt := range []struct {
		name string
		edit func(*Params)
		want bool
	}{
		{"same", func(*Params) {}, false},
		{"more memory", func(p *Params) { p.Memory *= 2 }, true},
		{"more time", func(p *Params) { p.Time++ }, true},
		{"more threads", func(p *Params) { p.Threads++ }, true},
		{"longer salt", func(p *Params) { p.SaltLen = 32 }, true},
		{"longer key", func(p *Params) { p.KeyLen = 64 }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := fastParams()
			tt.edit(&p)
			if got := NeedsRehash(enc, p); got != tt.want {
				t.Fatalf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPHCRoundTrip(t *testing.T) {
	p := Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 3 * 8, KeyLen: 32}
	salt, key := []byte(strings.Repeat("s", 24)), []byte(strings.Repeat("k", 32))
	gotP, gotSalt, gotKey, err := decodePHC(encodePHC(p, salt, key))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{p, salt, key}, []any{gotP, gotSalt, gotKey}); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func TestHashPasswordBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: maxMemory + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if _, err := HashPassword("x", p); ward.ErrorCode(err) != ward.CodeInternal {
			t.Errorf("HashPassword(%+v) error = %v, want internal", p, err)
		}
	}
}

// BenchmarkHash measures one argon2id hash with DefaultParams.
func BenchmarkHash(b *testing.B) {
	p := DefaultParams()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}
