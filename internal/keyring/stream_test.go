package keyring

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func encryptStream(tb testing.TB, k *Keyring, ref Ref, pt []byte, writeSize int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := k.NewEncryptWriter(context.Background(), ref, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	for p := pt; len(p) > 0; {
		n := min(writeSize, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			tb.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func decryptStream(k *Keyring, ref Ref, r io.Reader) ([]byte, error) {
	dr, err := k.NewDecryptReader(context.Background(), ref, r)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(dr)
}

func TestStreamRoundTrip(t *testing.T) {
	s := storetest.SQLite(t, nil)
	k := mustNew(t, s, mustEnvKeys(t))
	ref := Ref{Org: "o1", Scope: "conv:1", Record: "att1", Field: "content"}
	for _, size := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 5} {
		pt := make([]byte, size)
		rand.Read(pt)
		for _, ws := range []int{1 << 20, 1000, ChunkSize} {
			ct := encryptStream(t, k, ref, pt, ws)
			if int64(len(ct)) != EncryptedSize(int64(size)) {
				t.Errorf("size %d: stream is %d bytes, EncryptedSize says %d", size, len(ct), EncryptedSize(int64(size)))
			}
			for name, r := range map[string]io.Reader{
				"whole":    bytes.NewReader(ct),
				"one byte": iotest.OneByteReader(bytes.NewReader(ct)),
				"half":     iotest.HalfReader(bytes.NewReader(ct)),
			} {
				got, err := decryptStream(k, ref, r)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("size %d, writes of %d, %s reader: got %d bytes, err %v", size, ws, name, len(got), err)
				}
			}
		}
	}
}

// chunks splits an encrypted stream into its header and chunks.
func chunks(ct []byte) (hdr []byte, cs [][]byte) {
	hdr, rest := ct[:streamHdrLen], ct[streamHdrLen:]
	for len(rest) > 0 {
		n := min(len(rest), ChunkSize+tagSize)
		cs = append(cs, rest[:n])
		rest = rest[n:]
	}
	return hdr, cs
}

func join(hdr []byte, cs ...[]byte) []byte {
	return slices.Concat(append([][]byte{hdr}, cs...)...)
}

func TestStreamRejectsTampering(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		k := mustNew(t, s, mustEnvKeys(t))
		ref := Ref{Org: "o1", Scope: "conv:1", Record: "att1", Field: "content"}
		pt := make([]byte, 3*ChunkSize+5)
		rand.Read(pt)
		ct := encryptStream(t, k, ref, pt, 1<<20)
		h, c := chunks(ct)
		even := encryptStream(t, k, ref, pt[:2*ChunkSize], 1<<20) // ends on a chunk boundary
		eh, ec := chunks(even)
		other := encryptStream(t, k, ref, pt, 1<<20) // same ref, another stream
		oh, oc := chunks(other)
		flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 0x01; return b }

		cases := map[string][]byte{
			"empty":                        {},
			"header only":                  h,
			"header cut":                   h[:10],
			"truncated after chunk 1":      join(h, c[0]),
			"truncated after chunk 2":      join(h, c[0], c[1]),
			"truncated after chunk 3":      join(h, c[0], c[1], c[2]),
			"truncated mid-chunk":          ct[:streamHdrLen+ChunkSize/2],
			"last byte cut":                ct[:len(ct)-1],
			"even stream cut at boundary":  join(eh, ec[0]),
			"chunks 1 and 2 swapped":       join(h, c[1], c[0], c[2], c[3]),
			"chunk 2 duplicated":           join(h, c[0], c[1], c[1], c[2], c[3]),
			"chunk 2 dropped":              join(h, c[0], c[2], c[3]),
			"final chunk appended twice":   join(h, c[0], c[1], c[2], c[3], c[3]),
			"one byte appended":            append(bytes.Clone(ct), 0),
			"a chunk appended":             join(h, c[0], c[1], c[2], c[3], c[1]),
			"chunk from another stream":    join(h, c[0], oc[1], c[2], c[3]),
			"header of another stream":     join(oh, c...),
			"bit flipped in header prefix": join(flip(h, streamHdrLen-1), c...),
			"bit flipped in chunk 2":       join(h, c[0], flip(c[1], 100), c[2], c[3]),
			"bit flipped in a tag":         join(h, c[0], c[1], c[2], flip(c[3], len(c[3])-1)),
		}
		for name, bad := range cases {
			got, err := decryptStream(k, ref, bytes.NewReader(bad))
			if err == nil {
				t.Errorf("%s: read %d bytes and no error", name, len(got))
				continue
			}
			wantCode(t, err, ward.CodeIntegrity, name)
		}
		// Another ref (the attachment moved to another record) fails too.
		_, err := decryptStream(k, Ref{Org: "o1", Scope: "conv:1", Record: "att2", Field: "content"}, bytes.NewReader(ct))
		wantCode(t, err, ward.CodeIntegrity, "stream opened for another record")
		// A field ciphertext is not a stream, and a stream is not a field.
		_, err = decryptStream(k, ref, bytes.NewReader(mustSeal(t, k, ref, fmt.Sprint(pt[:40]))))
		wantCode(t, err, ward.CodeIntegrity, "a field read as a stream")
		_, err = k.Open(context.Background(), ref, ct[:200])
		wantCode(t, err, ward.CodeIntegrity, "a stream opened as a field")
	})
}

// TestStreamReleasesOnlyAuthenticData checks that a reader hands out a
// chunk only after it authenticates: a corrupted second chunk yields the
// first chunk's plaintext, then the error, never corrupted bytes.
func TestStreamReleasesOnlyAuthenticData(t *testing.T) {
	k := mustNew(t, storetest.SQLite(t, nil), mustEnvKeys(t))
	ref := Ref{Org: "o1", Scope: "conv:1", Record: "att1", Field: "content"}
	pt := bytes.Repeat([]byte("abcdefgh"), ChunkSize/4) // two chunks
	ct := encryptStream(t, k, ref, pt, 1<<20)
	ct[len(ct)-20] ^= 0x80
	got, err := decryptStream(k, ref, bytes.NewReader(ct))
	wantCode(t, err, ward.CodeIntegrity, "corrupted second chunk")
	if !bytes.Equal(got, pt[:ChunkSize]) {
		t.Errorf("read %d bytes before the error, want the first chunk's %d", len(got), ChunkSize)
	}
}
