package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// Socket is the event stream of the signed-in session. Keep a goroutine
// calling Next: the server pings every socket with each session check
// (about every minute) and closes one that does not answer within 10 s, and the
// answer is sent while Next reads.
type Socket struct {
	conn  *websocket.Conn
	Hello Event // the server's first frame
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
	s := &Socket{conn: conn}
	if s.Hello, err = s.Next(ctx); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return s, nil
}

// Next waits for the next event.
func (s *Socket) Next(ctx context.Context) (Event, error) {
	var ev Event
	_, b, err := s.conn.Read(ctx)
	if err != nil {
		return ev, err
	}
	return ev, json.Unmarshal(b, &ev)
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
