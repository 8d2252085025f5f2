package httpapi

import (
	"context"
	json "encoding/json/v2"
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/workers"
)

// Sending over the socket. A client with its socket open may send a
// message as a frame instead of a POST, saving a request per message:
//
//	{"type":"send","ref":"r1","conversation_id":"…","client_id":"…","body":"…",
//	 "priority":"urgent","backup_user_id":"…","attachment_ids":["…"]}
//
// The fields are the POST's (POST /api/v1/conversations/{id}/messages),
// with the conversation and a ref of the client's choosing (1 to 64
// characters). The server answers once the message is committed,
// {"type":"sent","ref":"r1","status":201,"message":{…}} (200 for a retry
// with the same client_id), or {"type":"error","ref":"r1","problem":{…}}
// with the problem document the POST would have answered. The same rules
// apply as for the POST: the session is checked and refreshed per send, a
// device under a wipe order may not send, and bad input stores nothing.
// A socket's sends are handled one at a time, in the order they arrive.
// The sending socket gets the answer and not the message.created event;
// the user's other sockets get the event as usual.

// requestFrame is a client frame that asks for an answer: a send, or a
// mark (wsmark.go). One struct holds both frames' fields, so that a frame
// decodes strictly in one pass; each kind refuses the other's fields.
type requestFrame struct {
	Type           string           `json:"type"`
	Ref            string           `json:"ref"`
	ConversationID string           `json:"conversation_id"`
	ClientID       string           `json:"client_id"`
	Body           string           `json:"body"`
	Priority       ward.Priority    `json:"priority"`
	BackupUserID   string           `json:"backup_user_id"`
	AttachmentIDs  []string         `json:"attachment_ids"`
	UpToSeq        int64            `json:"up_to_seq"` // a mark's
	Kind           ward.ReceiptKind `json:"kind"`      // a mark's
}

// sentFrame answers a send that committed.
type sentFrame struct {
	Type    string      `json:"type"` // "sent"
	Ref     string      `json:"ref"`
	Status  int         `json:"status"` // 201 a new message, 200 a retry
	Message messageView `json:"message"`
}

// errorFrame answers a frame the server refused.
type errorFrame struct {
	Type    string  `json:"type"` // "error"
	Ref     string  `json:"ref,omitempty"`
	Problem Problem `json:"problem"`
}

// maxRefLen bounds the ref of a send or a mark.
const maxRefLen = 64

// sendRoute is the route label of socket sends in the request metrics and log.
const sendRoute = "WS send"

// send handles one send frame and answers it: f as readLoop decoded it,
// and decodeErr the strict decoding's error, if any (f then holds only
// what a lenient decoding found: type, ref and conversation).
func (s *socket) send(f requestFrame, decodeErr error) {
	s.request(sendRoute, authz.MessageSend, f, decodeErr, s.sendMessage)
}

// frameAction does what a frame asks as p, and returns the answer frame
// and the status it counts as in the metrics.
type frameAction func(ctx context.Context, p *app.Principal, f requestFrame) (answer any, status int, err error)

// request handles a frame that asks for an answer (a send, a mark): as the
// session's principal, it answers the frame's decoding error or a bad ref
// (checked after the session, as a POST's body is), or runs act, and
// sends act's answer or an error frame with the problem a POST would have
// answered; a refusal of action on PHI is audited (app.AuditDenial). A
// frame refused because the session ended is answered, then
// the socket closes. Every request is counted in the metrics under route;
// a refused or slow one is logged too.
func (s *socket) request(route string, action authz.Action, f requestFrame, decodeErr error, act frameAction) {
	start := time.Now()
	id := newRequestID()
	ctx, cancel := context.WithTimeout(context.WithValue(s.ctx, requestIDKey, id), 30*time.Second)
	defer cancel()
	status := http.StatusOK
	authn := s.h.app.AuthenticateOnSocket
	if route == markRoute { // a client marks by itself (AuthenticateOnSocketAutomatic)
		authn = s.h.app.AuthenticateOnSocketAutomatic
	}
	p, err := authn(ctx, s.tokenHash, s.ip)
	var answer any
	switch {
	case err != nil:
	case decodeErr != nil:
		err = decodeErr
	default:
		if err = checkRef(f.Ref); err == nil {
			answer, status, err = s.guard(ctx, p, f, act)
		}
	}
	if err == nil {
		s.c.SendJSON(answer)
	} else {
		if p != nil { // a refusal on PHI is audited, as on the REST routes
			s.h.app.AuditDenial(ctx, p, action, "conversation", f.ConversationID, err)
		}
		prob := problemOf(ctx, s.h.log, err)
		status = prob.Status
		ef := errorFrame{Type: "error", Ref: f.Ref, Problem: prob}
		switch code := ward.ErrorCode(err); {
		case p != nil || code == ward.CodeDeviceWiped || code == ward.CodeUnavailable || code == ward.CodeInternal:
			s.c.SendJSON(ef) // the request failed, or a wipe order is pending, or the database hiccuped
		default:
			st, reason := closeStatus(err)
			s.c.SendJSONThenClose(ef, st, reason) // the session ended: so does the socket
		}
	}
	elapsed := time.Since(start)
	s.h.countRequest("WS", route, status, elapsed)
	if status >= http.StatusBadRequest || elapsed >= slowSend {
		s.h.logLine(ctx, id, "WS", route, status, elapsed, s.ip)
	}
}

// guard runs act, turning a panic into an internal error: the socket's
// goroutine is not under net/http's recovery.
func (s *socket) guard(ctx context.Context, p *app.Principal, f requestFrame, act frameAction) (answer any, status int, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.h.log.ErrorContext(ctx, "panic", "panic", v)
			answer, status, err = nil, 0, ward.Errorf(ward.CodeInternal, "internal error")
		}
	}()
	return act(ctx, p, f)
}

// slowSend is how long a socket send that succeeded takes before it gets
// a log line. Every send is counted in the metrics (route "WS send"), but
// only a send that failed or was slow is logged: a busy server takes
// thousands a second over its sockets, and a line each would be most of
// its log, megabytes a second, with one write to stderr each. A refused
// send's line is the one its problem's request_id leads to.
const slowSend = time.Second

// sendMessage sends the frame's message as p (a frameAction).
func (s *socket) sendMessage(ctx context.Context, p *app.Principal, f requestFrame) (any, int, error) {
	if f.UpToSeq != 0 || f.Kind != "" {
		return nil, 0, ward.Errorf(ward.CodeInvalid, "a send frame has no up_to_seq or kind (those are a mark's)")
	}
	m, created, err := s.h.app.SendMessage(ctx, p, f.ConversationID, app.SendRequest{ClientID: f.ClientID,
		Body: f.Body, Priority: f.Priority, BackupUserID: f.BackupUserID, AttachmentIDs: f.AttachmentIDs, Origin: s.c.Key()})
	if err != nil {
		return nil, 0, err
	}
	answer := sentFrame{Type: "sent", Ref: f.Ref, Status: http.StatusCreated, Message: viewMessage(m)}
	if !created {
		answer.Status = http.StatusOK // a retry: the message sent the first time
	}
	return answer, answer.Status, nil
}

// checkRef checks the ref of a frame that asks for an answer.
func checkRef(ref string) error {
	if ref == "" || len(ref) > maxRefLen {
		return ward.Errorf(ward.CodeInvalid, "ref must be 1 to %d characters", maxRefLen)
	}
	return nil
}

// handleAside runs handle on a worker (workers.Run): decoding and the
// send path are deep, and run on the reader they would grow the reader's
// stack, which every socket keeps while idle, to 8 KiB or more
// (TestIdleSocketMemory). Run waits, which keeps a socket's frames in
// order and data (the reader's buffer) alive.
func (s *socket) handleAside(data []byte) {
	workers.Run(func() { s.handle(data) })
}

// notJSON answers a frame that is not JSON.
func (s *socket) notJSON(data []byte, err error) {
	s.c.SendJSON(errorFrame{Type: "error", Ref: frameRef(data), Problem: problemOf(s.ctx, s.h.log, jsonError(err))})
}

// frameRef reads the ref of a frame that did not decode as a whole.
func frameRef(data []byte) string {
	var f struct {
		Ref string `json:"ref"`
	}
	json.Unmarshal(data, &f)
	if len(f.Ref) > maxRefLen {
		return ""
	}
	return f.Ref
}
