package keyring

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/wardhealth/ward/internal/store/storetest"
)

// BenchmarkSealOpen1KiB seals and opens a 1 KiB field with a warm data key
// cache (the hot-conversation case).
//
//	go test -run '^$' -bench SealOpen1KiB -benchmem ./internal/keyring/
func BenchmarkSealOpen1KiB(b *testing.B) {
	ctx := context.Background()
	k := mustNew(b, storetest.SQLite(b, nil), mustEnvKeys(b))
	ref := Ref{Org: "0190b3a4-7c1e-7d2f-9a6b-3c4d5e6f7a8b", Scope: "conv:0190b3a4-7c1e-7d2f-9a6b-aaaaaaaaaaaa",
		Record: "0190b3a4-7c1e-7d2f-9a6b-bbbbbbbbbbbb", Field: "body"}
	pt := make([]byte, 1024)
	rand.Read(pt)
	if _, err := k.Seal(ctx, ref, pt); err != nil { // warm the cache
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		ct, err := k.Seal(ctx, ref, pt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(ctx, ref, ct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream1MiB encrypts and decrypts a 1 MiB attachment.
func BenchmarkStream1MiB(b *testing.B) {
	k := mustNew(b, storetest.SQLite(b, nil), mustEnvKeys(b))
	ref := Ref{Org: "o", Scope: "conv:1", Record: "att", Field: "content"}
	pt := make([]byte, 1<<20)
	rand.Read(pt)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		ct := encryptStream(b, k, ref, pt, 32<<10)
		if _, err := decryptStream(k, ref, bytes.NewReader(ct)); err != nil {
			b.Fatal(err)
		}
	}
}
