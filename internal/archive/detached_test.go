package archive_test

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/archive"
)

func TestDetachedSignature(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	content := []byte("%PDF- a report")
	sig, err := archive.SignDetached(key, "r.pdf", content, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.VerifyDetached(content, sig, pub); err != nil {
		t.Fatal(err)
	}
	changed := append([]byte(nil), content...)
	changed[3] ^= 1
	if _, err := archive.VerifyDetached(changed, sig, pub); !errors.Is(err, archive.ErrDetachedMismatch) {
		t.Fatalf("a changed byte: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := archive.VerifyDetached(content, sig, other); !errors.Is(err, archive.ErrDetachedMismatch) {
		t.Fatalf("another key: %v", err)
	}
	bad := append([]byte(nil), sig...)
	for i := range bad { // change the recorded size: the signature no longer covers it
		if bad[i] == '"' && string(bad[i:i+6]) == `"size"` {
			bad[i+8] ^= 1
			break
		}
	}
	if _, err := archive.VerifyDetached(content, bad, pub); !errors.Is(err, archive.ErrDetachedMismatch) {
		t.Fatalf("a changed signature file: %v", err)
	}
}
