package keyring

import (
	"bytes"
	"testing"
)

// FuzzParseHeader feeds arbitrary bytes to the ciphertext header parsers.
// They must never panic, and what they accept must round-trip.
//
//	go test -run '^$' -fuzz FuzzParseHeader ./internal/keyring/
func FuzzParseHeader(f *testing.F) {
	valid := make([]byte, FieldOverhead+5)
	valid[0] = formatField
	stream := make([]byte, streamHdrLen+tagSize)
	stream[0] = formatStream
	for _, seed := range [][]byte{
		nil,
		{},
		{formatField},
		{formatStream},
		{0xff, 0x00},
		valid,
		valid[:FieldOverhead-1],
		valid[:FieldOverhead],
		stream,
		stream[:streamHdrLen-1],
		bytes.Repeat([]byte{formatField}, 100),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := parseFieldHeader(b)
		if err == nil {
			if b[0] != formatField || len(body) < tagSize || len(body) != len(b)-fieldHdrSize {
				t.Fatalf("accepted a bad field header: %x", b)
			}
			if !bytes.Equal(h.key[:], b[1:1+keyIDSize]) || !bytes.Equal(h.nonce[:], b[1+keyIDSize:fieldHdrSize]) {
				t.Fatalf("field header fields do not match the bytes: %x", b)
			}
		}
		sh, err := parseStreamHeader(b)
		if err == nil && !bytes.Equal(sh.bytes(), b[:streamHdrLen]) {
			t.Fatalf("stream header does not round-trip: %x", b)
		}
		if id, ok := parseKeyID(string(b)); ok && id.String() != string(bytes.ToLower(b)) {
			t.Fatalf("key id %q does not round-trip", b)
		}
	})
}
