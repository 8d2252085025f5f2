package push_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/realtime"
)

// BenchmarkObserve is what the push tap adds to each message a user sends
// when its recipients have ward open (the messaging benchmarks' case): one
// decode of the event's fields and a presence check per recipient; no job.
func BenchmarkObserve(b *testing.B) {
	e := newEnv(b, false)
	e.svc.SetOnline(func(string) bool { return true })
	data, _ := json.Marshal(map[string]any{"id": "m1", "conversation_id": "c1", "seq": 7, "sender_id": "u1",
		"client_id": "x", "body": strings.Repeat("a realistic clinical message ", 6), "priority": "normal"})
	ev := realtime.Event{Type: realtime.MessageCreated, ConversationID: "c1", Seq: 7, Data: data, Users: []string{"u1", "u2"}}
	b.ReportAllocs()
	for b.Loop() {
		e.svc.Observe(ev)
	}
}
