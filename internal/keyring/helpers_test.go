package keyring

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// mustEnvKeys returns an env provider holding one fresh random key.
func mustEnvKeys(tb testing.TB) *EnvKeys {
	tb.Helper()
	p, err := ParseEnvKeys(randomB64(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func randomB64(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// mustNew opens a keyring (with a cold cache) over s and p.
func mustNew(tb testing.TB, s *store.Store, p Provider) *Keyring {
	tb.Helper()
	k, err := New(context.Background(), Config{Store: s, Provider: p})
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustSeal(tb testing.TB, k *Keyring, ref Ref, pt string) []byte {
	tb.Helper()
	ct, err := k.Seal(context.Background(), ref, []byte(pt))
	if err != nil {
		tb.Fatalf("Seal(%+v): %v", ref, err)
	}
	return ct
}

func mustOpen(tb testing.TB, k *Keyring, ref Ref, ct []byte, want string) {
	tb.Helper()
	got, err := k.Open(context.Background(), ref, ct)
	if err != nil {
		tb.Fatalf("Open(%+v): %v", ref, err)
	}
	if string(got) != want {
		tb.Fatalf("Open(%+v) = %q, want %q", ref, got, want)
	}
}

// wantCode fails unless err is a ward.Error with code.
func wantCode(tb testing.TB, err error, code ward.Code, what string) {
	tb.Helper()
	var we *ward.Error
	if err == nil || !errors.As(err, &we) || we.Code != code {
		tb.Fatalf("%s: error %v, want code %s", what, err, code)
	}
}
