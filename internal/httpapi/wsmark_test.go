package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/realtime"
)

// receiptsOf is what the sender sees of its messages' receipts: for each
// seq, whether it was delivered and read.
func receiptsOf(t *testing.T, e *wsEnv, sender *app.Principal, convID string) (delivered, read []int64) {
	t.Helper()
	msgs, err := e.f.App.ListMessages(context.Background(), sender, convID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for _, r := range m.Receipts {
			if !r.DeliveredAt.IsZero() {
				delivered = append(delivered, m.Seq)
			}
			if !r.ReadAt.IsZero() {
				read = append(read, m.Seq)
			}
		}
	}
	return delivered, read
}

func TestWebSocketMark(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	r := newTrio(t, e)
	pNurse, conv, nc, dc, oc, doc := r.pNurse, r.conv, r.nc, r.dc, r.oc, r.doc
	for i, body := range []string{"BP 120/80", "HR 72", "SpO2 98%"} {
		if _, _, err := e.f.App.SendMessage(ctx, pNurse, conv.ID, app.SendRequest{ClientID: "c-" + body, Body: body}); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}

	// A mark is answered once committed with how many receipts it changed,
	// and the sender's socket gets the receipt event live.
	send(t, dc, map[string]any{"type": "mark", "ref": "m1", "conversation_id": conv.ID, "up_to_seq": 2, "kind": "delivered"})
	if a := answerTo(t, dc, "m1"); a["type"] != "marked" || a["changed"] != float64(2) {
		t.Fatalf("mark answered %v", a)
	}
	ev := frame(t, nc)
	for ev["type"] == realtime.MessageCreated { // the nurse's own three, sent after the socket opened
		ev = frame(t, nc)
	}
	data, _ := ev["data"].(map[string]any)
	if ev["type"] != realtime.Receipt || ev["seq"] != float64(2) || data["kind"] != "delivered" || data["user_id"] != doc.ID {
		t.Fatalf("the sender got %v", ev)
	}
	if d, r := receiptsOf(t, e, pNurse, conv.ID); len(d) != 2 || len(r) != 0 {
		t.Fatalf("after delivered up to 2: delivered %v, read %v", d, r)
	}

	// Bad input: a clear problem with a stable code, and no receipt moves.
	for _, tc := range []struct {
		name  string
		sock  *websocket.Conn
		frame map[string]any
		code  ward.Code
	}{
		{"unknown kind", dc, map[string]any{"conversation_id": conv.ID, "up_to_seq": 3, "kind": "seen"}, ward.CodeInvalid},
		{"no kind", dc, map[string]any{"conversation_id": conv.ID, "up_to_seq": 3}, ward.CodeInvalid},
		{"seq zero", dc, map[string]any{"conversation_id": conv.ID, "up_to_seq": 0, "kind": "read"}, ward.CodeInvalid},
		{"seq not a number", dc, map[string]any{"conversation_id": conv.ID, "up_to_seq": "3", "kind": "read"}, ward.CodeInvalid},
		{"a send's field", dc, map[string]any{"conversation_id": conv.ID, "up_to_seq": 3, "kind": "read", "body": "hi"}, ward.CodeInvalid},
		{"unknown field", dc, map[string]any{"conversation_id": conv.ID, "up_to_seq": 3, "kind": "read", "colour": "red"}, ward.CodeInvalid},
		{"not a member", oc, map[string]any{"conversation_id": conv.ID, "up_to_seq": 3, "kind": "read"}, ward.CodeNotFound},
		{"no such conversation", dc, map[string]any{"conversation_id": "nope", "up_to_seq": 3, "kind": "read"}, ward.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.frame["type"], tc.frame["ref"] = "mark", "bad"
			send(t, tc.sock, tc.frame)
			if a := answerTo(t, tc.sock, "bad"); problemCode(a) != string(tc.code) {
				t.Errorf("answered %v, want problem %s", a, tc.code)
			}
		})
	}
	send(t, dc, map[string]any{"type": "mark", "conversation_id": conv.ID, "up_to_seq": 3, "kind": "read"})
	if f := frame(t, dc); problemCode(f) != string(ward.CodeInvalid) {
		t.Errorf("mark without ref answered %v", f)
	}
	// A send may not carry a mark's fields either.
	send(t, dc, map[string]any{"type": "send", "ref": "s1", "conversation_id": conv.ID, "client_id": "d-1", "body": "ok", "kind": "read"})
	if a := answerTo(t, dc, "s1"); problemCode(a) != string(ward.CodeInvalid) {
		t.Errorf("send with a kind answered %v", a)
	}
	if d, r := receiptsOf(t, e, pNurse, conv.ID); len(d) != 2 || len(r) != 0 {
		t.Errorf("refused marks moved receipts: delivered %v, read %v", d, r)
	}
	wantStored(t, e, pNurse, conv.ID, 3, "the nurse's three")

	// Read implies delivered; a mark past the last message marks up to it.
	send(t, dc, map[string]any{"type": "mark", "ref": "m2", "conversation_id": conv.ID, "up_to_seq": 99, "kind": "read"})
	if a := answerTo(t, dc, "m2"); a["type"] != "marked" || a["changed"] != float64(3) {
		t.Errorf("read mark answered %v", a)
	}
	if d, r := receiptsOf(t, e, pNurse, conv.ID); len(d) != 3 || len(r) != 3 {
		t.Errorf("after read up to 99: delivered %v, read %v", d, r)
	}

	// Marks are counted in the metrics under their own route.
	metrics := metricsPage(t, e)
	for _, want := range []string{`route="WS mark",status="200"} 2`, `route="WS mark",status="404"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
