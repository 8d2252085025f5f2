package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// Socket is the event stream of the signed-in session. Keep a goroutine
// calling Next: the server pings every socket with each session check
// (about every minute) and closes one that does not answer within 10 s, and the
// answer is sent while Next reads.
type Socket struct {
	conn  *websocket.Conn
	Hello Event // the server's first frame

	mu      sync.Mutex
	refs    int64
	pending map[string]chan sendAnswer // Send and MarkReceipts calls waiting, by ref
}

// sendAnswer is the server's answer to a send or a mark frame.
type sendAnswer struct {
	ok      bool     // a "sent" or "marked" frame (else "error")
	Ref     string   `json:"ref"`
	Message *Message `json:"message"` // a send's
	Changed int      `json:"changed"` // a mark's
	Problem struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"problem"`
	err error // the socket ended before the answer came
}

// Dial opens the event socket, authenticated by the session token in the
// Authorization header (never in the URL).
func (c *Client) Dial(ctx context.Context) (*Socket, error) {
	u := "ws" + strings.TrimPrefix(c.base, "http") + "/api/v1/ws"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: c.hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.Token()}},
	})
	if err != nil {
		if resp != nil && resp.StatusCode >= 400 {
			return nil, readProblem(resp)
		}
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	s := &Socket{conn: conn, pending: map[string]chan sendAnswer{}}
	if s.Hello, err = s.Next(ctx); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return s, nil
}

// Next waits for the next event. The answers to Send are read here too,
// and handed to the Send calls waiting for them. A ctx that can end costs a
// callback registered on it for every frame (the WebSocket library's
// context.AfterFunc): a reader that runs until the socket is closed does
// best with context.Background(), and goroutines that share one ctx contend
// for its lock.
func (s *Socket) Next(ctx context.Context) (Event, error) {
	for {
		var ev Event
		buf, err := s.read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.failPending(err)
			}
			return ev, err
		}
		var f struct { // an event or an answer, decoded once
			Event
			sendAnswer
		}
		err = json.Unmarshal(buf.Bytes(), &f) // copies what it keeps (Data too)
		frameBufs.Put(buf)
		if err != nil {
			return ev, err
		}
		if f.Event.Type == "sent" || f.Event.Type == "marked" || f.Event.Type == "error" {
			f.ok = f.Event.Type != "error"
			if s.answer(f.sendAnswer) {
				continue
			}
		}
		return f.Event, nil
	}
}

// frameBufs holds buffers for frames being decoded: pooled, a frame read
// costs no allocation of its own.
var frameBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// read reads the next frame into a buffer from frameBufs.
func (s *Socket) read(ctx context.Context) (*bytes.Buffer, error) {
	_, r, err := s.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	buf := frameBufs.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		frameBufs.Put(buf)
		return nil, err
	}
	return buf, nil
}

// answer hands a to the Send waiting for it, if any.
func (s *Socket) answer(a sendAnswer) bool {
	s.mu.Lock()
	ch, ok := s.pending[a.Ref]
	delete(s.pending, a.Ref)
	s.mu.Unlock()
	if ok {
		ch <- a
	}
	return ok
}

// failPending ends the waiting Send calls with err: the socket is gone.
func (s *Socket) failPending(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ref, ch := range s.pending {
		ch <- sendAnswer{err: err}
		delete(s.pending, ref)
	}
}

// Send sends a message over the socket instead of a POST, and returns
// once the server committed it, like Client.Send; a retry with the same
// ClientID returns the same message. Its answer is read by Next, so some
// goroutine must be calling Next (as on every socket).
func (s *Socket) Send(ctx context.Context, conversationID string, req SendRequest) (*Message, error) {
	a, err := s.request(ctx, func(ref string) any {
		return struct {
			Type           string `json:"type"`
			Ref            string `json:"ref"`
			ConversationID string `json:"conversation_id"`
			SendRequest
		}{"send", ref, conversationID, req}
	})
	if err != nil {
		return nil, err
	}
	if a.Message == nil {
		return nil, errors.New("ward: a sent frame without its message")
	}
	return a.Message, nil
}

// MarkReceipts marks every message of a conversation up to upToSeq
// delivered or read (kind), over the socket instead of a POST, like
// Client.MarkReceipts, and returns how many receipts changed once the
// server committed the mark. Its answer is read by Next.
func (s *Socket) MarkReceipts(ctx context.Context, conversationID string, upToSeq int64, kind string) (int, error) {
	a, err := s.request(ctx, func(ref string) any {
		return struct {
			Type           string `json:"type"`
			Ref            string `json:"ref"`
			ConversationID string `json:"conversation_id"`
			UpToSeq        int64  `json:"up_to_seq"`
			Kind           string `json:"kind"`
		}{"mark", ref, conversationID, upToSeq, kind}
	})
	return a.Changed, err
}

// request writes the frame that frame makes with a new ref and waits for
// the server's answer to it (read by Next).
func (s *Socket) request(ctx context.Context, frame func(ref string) any) (sendAnswer, error) {
	s.mu.Lock()
	s.refs++
	ref := strconv.FormatInt(s.refs, 36)
	ch := make(chan sendAnswer, 1)
	s.pending[ref] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, ref)
		s.mu.Unlock()
	}()
	b, err := json.Marshal(frame(ref))
	if err != nil {
		return sendAnswer{}, err
	}
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return sendAnswer{}, err
	}
	select {
	case a := <-ch:
		if a.err != nil {
			return a, a.err
		}
		if !a.ok {
			return a, &Error{Status: a.Problem.Status, Code: a.Problem.Code, Detail: a.Problem.Detail}
		}
		return a, nil
	case <-ctx.Done():
		return sendAnswer{}, ctx.Err()
	}
}

// Close closes the socket normally.
func (s *Socket) Close() error { return s.conn.Close(websocket.StatusNormalClosure, "bye") }

// CloseNow drops the socket without a closing handshake (a lost network).
func (s *Socket) CloseNow() error { return s.conn.CloseNow() }

// Typing tells the conversation's other members that the user is typing.
func (s *Socket) Typing(ctx context.Context, conversationID string) error {
	b, _ := json.Marshal(map[string]string{"type": "typing", "conversation_id": conversationID})
	return s.conn.Write(ctx, websocket.MessageText, b)
}
