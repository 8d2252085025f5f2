package httpapi

import (
	"context"
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
)

// Marking receipts over the socket. A client that shows messages as they
// arrive marks them delivered (or read) with a frame instead of a POST:
//
//	{"type":"mark","ref":"r2","conversation_id":"…","up_to_seq":42,"kind":"delivered"}
//
// with the fields and rules of POST /api/v1/conversations/{id}/receipts.
// The server answers once the mark is committed, {"type":"marked",
// "ref":"r2","changed":3}, or {"type":"error","ref":"r2","problem":{…}};
// each sender gets its receipt event as after the POST. Frames are
// handled one at a time, in order, with the socket's sends.

// markRoute is the route label of socket marks in the request metrics and log.
const markRoute = "WS mark"

// markedFrame answers a mark that committed.
type markedFrame struct {
	Type    string `json:"type"` // "marked"
	Ref     string `json:"ref"`
	Changed int    `json:"changed"` // receipts the mark changed, as the POST's answer
}

// mark handles one mark frame and answers it (decodeErr as for send).
func (s *socket) mark(f requestFrame, decodeErr error) {
	s.request(markRoute, authz.ReceiptWrite, f, decodeErr, s.markReceipts)
}

// markReceipts marks the frame's receipts as p (a frameAction).
func (s *socket) markReceipts(ctx context.Context, p *app.Principal, f requestFrame) (any, int, error) {
	if f.ClientID != "" || f.Body != "" || f.Priority != "" || f.BackupUserID != "" || f.AttachmentIDs != nil {
		return nil, 0, ward.Errorf(ward.CodeInvalid, "a mark frame takes conversation_id, up_to_seq and kind only")
	}
	changed, err := s.h.app.Receipts().Mark(ctx, p, f.ConversationID, f.UpToSeq, f.Kind)
	if err != nil {
		return nil, 0, err
	}
	return markedFrame{Type: "marked", Ref: f.Ref, Changed: changed}, http.StatusOK, nil
}
