package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/wardhealth/ward/internal/clocktest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestSealOpenRoundTrip(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, s *store.Store) {
		p := mustEnvKeys(t)
		k := mustNew(t, s, p)
		ref := Ref{Org: "o1", Scope: "conv:1", Record: "m1", Field: "body"}
		for _, pt := range []string{"", "x", "Patient reports chest pain since 04:00.", strings.Repeat("é", 5000)} {
			ct := mustSeal(t, k, ref, pt)
			if len(ct) != len(pt)+FieldOverhead {
				t.Errorf("len(Seal(%d bytes)) = %d, want %d", len(pt), len(ct), len(pt)+FieldOverhead)
			}
			if len(pt) >= 8 && bytes.Contains(ct, []byte(pt)) {
				t.Fatal("ciphertext contains the plaintext")
			}
			mustOpen(t, k, ref, ct, pt)
			mustOpen(t, mustNew(t, s, p), ref, ct, pt) // cold cache: unwraps from the store
		}
		a, b := mustSeal(t, k, ref, "same"), mustSeal(t, k, ref, "same")
		if bytes.Equal(a, b) {
			t.Error("two seals of the same plaintext are equal: nonce reuse")
		}
		if !bytes.Equal(a[:1+keyIDSize], b[:1+keyIDSize]) {
			t.Error("two seals in one scope name different keys")
		}
		// A record with no Record id is fine; one without a field is not.
		mustOpen(t, k, Ref{Org: "o1", Scope: "conv:1", Field: "title"},
			mustSeal(t, k, Ref{Org: "o1", Scope: "conv:1", Field: "title"}, "Ward 3"), "Ward 3")
		_, err := k.Seal(context.Background(), Ref{Org: "o1", Scope: "conv:1"}, []byte("x"))
		wantCode(t, err, ward.CodeInvalid, "Seal without a field")
	})
}

func TestOpenRejectsTampering(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := mustNew(t, s, mustEnvKeys(t))
		ref := Ref{Org: "o1", Scope: "conv:1", Record: "m1", Field: "body"}
		ct := mustSeal(t, k, ref, "BP 120/80")
		// Every bit of header (format, key id), nonce, ciphertext and tag.
		for i := range ct {
			for bit := range 8 {
				bad := bytes.Clone(ct)
				bad[i] ^= 1 << bit
				_, err := k.Open(ctx, ref, bad)
				wantCode(t, err, ward.CodeIntegrity, fmt.Sprintf("bit %d of byte %d flipped", bit, i))
			}
		}
		for n := range len(ct) {
			_, err := k.Open(ctx, ref, ct[:n])
			wantCode(t, err, ward.CodeIntegrity, fmt.Sprintf("truncated to %d bytes", n))
		}
		_, err := k.Open(ctx, ref, append(bytes.Clone(ct), 0))
		wantCode(t, err, ward.CodeIntegrity, "one byte appended")
		mustOpen(t, k, ref, ct, "BP 120/80")
	})
}

func TestOpenRejectsMovedCiphertext(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		k := mustNew(t, s, mustEnvKeys(t))
		home := Ref{Org: "o1", Scope: "conv:1", Record: "m1", Field: "body"}
		ct := mustSeal(t, k, home, "allergic to penicillin")
		mustSeal(t, k, Ref{Org: "o1", Scope: "conv:2", Field: "body"}, "x") // so conv:2 has a key
		mustSeal(t, k, Ref{Org: "o2", Scope: "conv:1", Field: "body"}, "x") // and o2's conv:1
		for _, elsewhere := range []Ref{
			{Org: "o1", Scope: "conv:1", Record: "m2", Field: "body"},  // another row
			{Org: "o1", Scope: "conv:1", Record: "m1", Field: "title"}, // another field
			{Org: "o1", Scope: "conv:1", Record: "", Field: "m1body"},  // a shifted boundary
			{Org: "o1", Scope: "conv:2", Record: "m1", Field: "body"},  // another scope
			{Org: "o2", Scope: "conv:1", Record: "m1", Field: "body"},  // another org
		} {
			_, err := k.Open(context.Background(), elsewhere, ct)
			wantCode(t, err, ward.CodeIntegrity, fmt.Sprintf("opened at %+v", elsewhere))
		}
		// Two records swapped in place.
		r2 := Ref{Org: "o1", Scope: "conv:1", Record: "m2", Field: "body"}
		ct2 := mustSeal(t, k, r2, "no known allergies")
		_, err1 := k.Open(context.Background(), home, ct2)
		_, err2 := k.Open(context.Background(), r2, ct)
		wantCode(t, err1, ward.CodeIntegrity, "m2's ciphertext in m1")
		wantCode(t, err2, ward.CodeIntegrity, "m1's ciphertext in m2")
	})
}

func TestShred(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		k := mustNew(t, s, p)
		other := mustNew(t, s, p) // a second node, its cache cold
		gone := Ref{Org: "o1", Scope: "conv:gone", Record: "m1", Field: "body"}
		kept := Ref{Org: "o1", Scope: "conv:kept", Record: "m1", Field: "body"}
		ctGone, ctKept := mustSeal(t, k, gone, "secret"), mustSeal(t, k, kept, "still here")
		var att bytes.Buffer
		w, err := k.NewEncryptWriter(ctx, gone, &att)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("scan.pdf"))
		w.Close()

		if err := k.Shred(ctx, "o1", "conv:gone"); err != nil {
			t.Fatal(err)
		}
		for name, kr := range map[string]*Keyring{"shredding node": k, "other node": other} {
			_, err := kr.Open(ctx, gone, ctGone)
			wantCode(t, err, ward.CodeNotFound, name+": Open after Shred")
			if !errors.Is(err, ErrKeyDestroyed) || !strings.Contains(ward.ErrorMessage(err), "key destroyed") {
				t.Errorf("%s: error %v does not say the key was destroyed", name, err)
			}
			_, err = kr.NewDecryptReader(ctx, gone, bytes.NewReader(att.Bytes()))
			wantCode(t, err, ward.CodeNotFound, name+": NewDecryptReader after Shred")
			mustOpen(t, kr, kept, ctKept, "still here")
		}
		if err := k.Shred(ctx, "o1", "conv:gone"); err != nil {
			t.Errorf("second Shred: %v", err)
		}
		st, err := k.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Shredded != 1 || st.Orgs[0].DEKs != 1 {
			t.Errorf("status after shred: %d shredded, %d keys; want 1, 1", st.Shredded, st.Orgs[0].DEKs)
		}
		// A new seal in the shredded scope gets a new key; the old data stays gone.
		ct := mustSeal(t, k, gone, "new")
		mustOpen(t, other, gone, ct, "new")
		_, err = other.Open(ctx, gone, ctGone)
		wantCode(t, err, ward.CodeNotFound, "old data after a new key")
	})
}

func TestConcurrentGetOrCreate(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		const n = 12
		ref := Ref{Org: "o1", Scope: "conv:hot", Record: "m", Field: "body"}
		cts := make([][]byte, n)
		keys := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			k := mustNew(t, s, p) // one keyring per goroutine: as many nodes
			wg.Go(func() {
				<-start
				cts[i], errs[i] = k.Seal(ctx, ref, []byte("hello"))
				if errs[i] == nil {
					keys[i] = fmt.Sprintf("%x", cts[i][1:1+keyIDSize])
				}
				_, errs[i] = k.AuditSigningKey(ctx)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("goroutine %d: %v", i, err)
			}
		}
		for i := range keys {
			if keys[i] != keys[0] {
				t.Fatalf("goroutine %d sealed under key %s, goroutine 0 under %s", i, keys[i], keys[0])
			}
		}
		k := mustNew(t, s, p)
		for _, ct := range cts {
			mustOpen(t, k, ref, ct, "hello")
		}
		st, err := k.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []OrgStatus{{Org: "o1", KEKVersion: 1, KEKs: 1, DEKs: 1}}
		if diff := cmp.Diff(want, st.Orgs, ignoreTimes()); diff != "" {
			t.Errorf("orgs (-want +got):\n%s", diff)
		}
		if len(st.Secrets) != 1 {
			t.Errorf("%d secrets, want 1 audit signing key", len(st.Secrets))
		}
	})
}

func TestAuditSigningKey(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		a, err := mustNew(t, s, p).AuditSigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := mustNew(t, s, p).AuditSigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Equal(b) {
			t.Fatal("two calls gave two signing keys")
		}
		// Another master key cannot unwrap it.
		_, err = mustNew(t, s, mustEnvKeys(t)).AuditSigningKey(ctx)
		if err == nil {
			t.Fatal("a different master key unwrapped the signing key")
		}
	})
}

func TestDEKCacheBoundAndTTL(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New()
	s := storetest.SQLite(t, clock.Now)
	p := mustEnvKeys(t)
	k, err := New(ctx, Config{Store: s, Provider: p, CacheSize: 3, CacheTTL: time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		mustSeal(t, k, Ref{Org: "o", Scope: fmt.Sprint("conv:", i), Field: "f"}, "x")
	}
	if n := k.deks.len(); n != 3 {
		t.Errorf("cache holds %d keys, want 3", n)
	}
	ref := Ref{Org: "o", Scope: "conv:9", Field: "f"}
	ct := mustSeal(t, k, ref, "x")
	// Another node shreds the scope; this node's cache expires after the TTL.
	if err := mustNew(t, s, p).Shred(ctx, "o", "conv:9"); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, k, ref, ct, "x")
	clock.Advance(2 * time.Minute)
	_, err = k.Open(ctx, ref, ct)
	wantCode(t, err, ward.CodeNotFound, "Open after another node's Shred and the TTL")
}

func ignoreTimes() cmp.Option { return cmpopts.IgnoreTypes(time.Time{}) }

// Prepare creates a scope's data key before its first Seal, once: the Seal
// after it, and a second Prepare, use the same key.
func TestPrepareCreatesTheScopesKeyOnce(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := mustNew(t, s, mustEnvKeys(t))
		dek := func() store.DEKRow {
			var row store.DEKRow
			if err := s.Read(ctx, func(tx *store.Tx) (err error) { row, err = tx.DEKByScope(ctx, "o1", "conv:c1"); return err }); err != nil {
				t.Fatal(err)
			}
			return row
		}
		if err := k.Prepare(ctx, "o1", "conv:c1"); err != nil {
			t.Fatal(err)
		}
		first := dek()
		if err := k.Prepare(ctx, "o1", "conv:c1"); err != nil {
			t.Fatal(err)
		}
		ct, err := k.Seal(ctx, Ref{Org: "o1", Scope: "conv:c1", Record: "m1", Field: "body"}, []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		if again := dek(); again.ID != first.ID {
			t.Fatalf("the key changed from %s to %s", first.ID, again.ID)
		}
		h, _, err := parseFieldHeader(ct)
		if err != nil || h.key.String() != first.ID {
			t.Fatalf("sealed under %v (%v), want the prepared key %s", h, err, first.ID)
		}
		if err := k.Prepare(ctx, "o1", ""); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Fatalf("Prepare without a scope: %v", err)
		}
	})
}
