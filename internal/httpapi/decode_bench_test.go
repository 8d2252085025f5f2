package httpapi

import (
	"testing"
)

// BenchmarkDecodeFrame is the strict decoding of a socket send frame, on
// the send hot path (ws.go decodeFrame): one per frame, 10,000 a second.
func BenchmarkDecodeFrame(b *testing.B) {
	frame := []byte(`{"type":"send","ref":"r1234","conversation_id":"0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",` +
		`"client_id":"0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6c","body":"BP 120/80, HR 72, SpO2 98% on room air; please review"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		var f requestFrame
		if err := decodeJSON(frame, &f); err != nil {
			b.Fatal(err)
		}
	}
}
