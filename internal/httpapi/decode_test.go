package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/realtime"
)

// keyCase is a body or frame that names a field twice, or in another case,
// which encoding/json (v1) resolved one way and other parsers another.
type keyCase struct {
	name string
	body string // a POST /api/v1/conversations/{id}/receipts body
	send string // a socket send frame; {conv} is the conversation
	mark string // a socket mark frame
}

// decodeRefused checks that the receipts POST and socket frames refuse
// every case with invalid_input and change nothing.
func decodeRefused(t *testing.T, cases []keyCase) {
	t.Helper()
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	r := newTrio(t, e)
	if _, _, err := e.f.App.SendMessage(ctx, r.pNurse, r.conv.ID, app.SendRequest{ClientID: "c-1", Body: "BP 120/80"}); err != nil {
		t.Fatal(err)
	}
	docTok := e.login(t, r.doc.Email, "pw for "+r.doc.Email+" is long", "doc-laptop-1")
	frameOf := func(s string) string { return strings.ReplaceAll(s, "{conv}", r.conv.ID) }
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/conversations/"+r.conv.ID+"/receipts", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+docTok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var prob struct{ Code, Detail string }
			decodeBody(resp, &prob)
			if resp.StatusCode != http.StatusBadRequest || prob.Code != string(ward.CodeInvalid) {
				t.Errorf("POST %s: %d %s, want 400 invalid_input", tc.body, resp.StatusCode, prob.Code)
			}
			for _, fr := range []string{tc.send, tc.mark} {
				ctx, cancel := context.WithTimeout(ctx, 5e9)
				err := r.dc.Write(ctx, websocket.MessageText, []byte(frameOf(fr)))
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				f := frame(t, r.dc)
				for f["type"] == realtime.MessageCreated || f["type"] == realtime.Receipt {
					f = frame(t, r.dc)
				}
				if problemCode(f) != string(ward.CodeInvalid) {
					t.Errorf("frame %s answered %v, want invalid_input", fr, f)
				}
			}
		})
	}
	if d, rd := receiptsOf(t, e, r.pNurse, r.conv.ID); len(d) != 0 || len(rd) != 0 {
		t.Errorf("refused marks moved receipts: delivered %v, read %v", d, rd)
	}
	wantStored(t, e, r.pNurse, r.conv.ID, 1, "only the first")
}

// TestDecodeRejectsDuplicateKeys: a JSON object that names a field twice
// is refused (invalid_input), over HTTP and over the socket.
func TestDecodeRejectsDuplicateKeys(t *testing.T) {
	decodeRefused(t, []keyCase{
		{"same field twice",
			`{"up_to_seq":1,"kind":"delivered","kind":"read"}`,
			`{"type":"send","ref":"s1","conversation_id":"{conv}","client_id":"d-1","body":"ok","body":"other"}`,
			`{"type":"mark","ref":"m1","conversation_id":"{conv}","up_to_seq":1,"kind":"delivered","kind":"read"}`},
		{"type twice",
			`{"up_to_seq":1,"up_to_seq":1,"kind":"read"}`,
			`{"type":"send","type":"send","ref":"s2","conversation_id":"{conv}","client_id":"d-2","body":"ok"}`,
			`{"type":"mark","ref":"m2","ref":"m3","conversation_id":"{conv}","up_to_seq":1,"kind":"read"}`},
		{"escaped duplicate",
			`{"up_to_seq":1,"kind":"read","\u006bind":"delivered"}`,
			`{"type":"send","ref":"s4","conversation_id":"{conv}","client_id":"d-4","body":"ok","\u0062ody":"x"}`,
			`{"type":"mark","ref":"m4","conversation_id":"{conv}","up_to_seq":1,"kind":"read","\u006bind":"read"}`},
	})
}

// TestDecodeRejectsCaseVariantKeys: field names match exactly; a key in
// another case is an unknown field (invalid_input), not the field.
func TestDecodeRejectsCaseVariantKeys(t *testing.T) {
	decodeRefused(t, []keyCase{
		{"variant beside the field",
			`{"up_to_seq":1,"kind":"delivered","Kind":"read"}`,
			`{"type":"send","ref":"s1","conversation_id":"{conv}","client_id":"d-1","body":"ok","BODY":"other"}`,
			`{"type":"mark","ref":"m1","conversation_id":"{conv}","up_to_seq":1,"kind":"delivered","KIND":"read"}`},
		{"variant alone",
			`{"Up_To_Seq":1,"Kind":"read"}`,
			`{"type":"send","ref":"s2","Conversation_ID":"{conv}","client_id":"d-2","Body":"ok"}`,
			`{"Type":"mark","ref":"m2","conversation_id":"{conv}","up_to_seq":1,"kind":"read"}`},
	})
}

func decodeBody(resp *http.Response, v any) {
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(v)
}
