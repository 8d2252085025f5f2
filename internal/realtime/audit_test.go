package realtime

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeAudit is a DeliveryAudit that remembers what it was told.
type fakeAudit struct {
	mu     sync.Mutex
	queued []string
	closed chan struct{}
	late   bool // Queued after Close
}

func (f *fakeAudit) Queued(conv, patient string, seq int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.closed:
		f.late = true
	default:
	}
	f.queued = append(f.queued, conv+"/"+patient+"/"+string(rune('0'+seq)))
}

func (f *fakeAudit) Close() { close(f.closed) }

// TestDeliveryAuditHook: a socket's DeliveryAudit is told of each frame
// with PHI queued for it (not of other frames, nor of an event the socket
// is excepted from), and closed once when the socket is released.
func TestDeliveryAuditHook(t *testing.T) {
	b := NewLocalBroker()
	hub := NewHub(b, HubOptions{})
	fa := &fakeAudit{closed: make(chan struct{})}
	keys := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c, err := hub.Adopt(ws)
		if err != nil {
			return
		}
		defer c.Release()
		c.AuditDeliveries(fa)
		c.Bind("u1", "d1", nil, nil)
		keys <- c.Key()
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	defer hub.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	key := <-keys
	b.Publish(ctx, Event{Type: MessageCreated, ConversationID: "c1", Seq: 5, Data: []byte(`{}`), Users: []string{"u1"}, PHI: true, PatientID: "p1"})
	b.Publish(ctx, Event{Type: Receipt, ConversationID: "c1", Seq: 6, Users: []string{"u1"}})
	b.Publish(ctx, Event{Type: MessageCreated, ConversationID: "c1", Seq: 7, Users: []string{"u1"}, PHI: true, Except: key})
	b.Publish(ctx, Event{Type: MessageCreated, ConversationID: "c2", Seq: 8, Users: []string{"u1"}, PHI: true})
	for range 3 {
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "bye")
	select {
	case <-fa.closed:
	case <-ctx.Done():
		t.Fatal("the socket's DeliveryAudit was not closed when it was released")
	}
	b.Publish(ctx, Event{Type: MessageCreated, ConversationID: "c1", Seq: 9, Users: []string{"u1"}, PHI: true})
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if got := strings.Join(fa.queued, " "); got != "c1/p1/5 c2//8" || fa.late {
		t.Errorf("queued %q (late %v), want the two PHI frames the socket was sent, none after Close", got, fa.late)
	}
}
