package bench

import (
	"context"
	"sync"

	"github.com/wardhealth/ward/client"
)

// marker marks the messages one socket receives delivered or read, over
// that socket, as a phone showing them would (--receipts): the reader
// notes each message, and one goroutine, running only while there is
// something to mark, marks the highest seq noted in each conversation.
// Messages that arrive while a mark is under way are covered by the next
// one, so a burst costs a mark or two per conversation, not one a message.
type marker struct {
	l    *load
	s    *client.Socket
	kind string

	mu      sync.Mutex
	pending map[string]int64 // conversation → highest seq not yet marked
	running bool
}

// note records that the socket got message seq of conversation conv.
func (m *marker) note(conv string, seq int64) {
	m.mu.Lock()
	if seq > m.pending[conv] {
		m.pending[conv] = seq
	}
	start := !m.running
	m.running = true
	m.mu.Unlock()
	if start {
		go m.run()
	}
}

// run marks what was noted until nothing is left. Its answers are read by
// the socket's reader. A socket closed under it ends the mark with an
// error, which is counted as a failure unless the run is closing.
func (m *marker) run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		m.mu.Lock()
		if len(m.pending) == 0 {
			m.running = false
			m.mu.Unlock()
			return
		}
		todo := m.pending
		m.pending = make(map[string]int64, len(todo))
		m.mu.Unlock()
		for conv, seq := range todo {
			at := m.l.now()
			_, err := m.s.MarkReceipts(ctx, conv, seq, m.kind)
			switch {
			case err != nil && !m.l.closing.Load():
				m.l.markFailed.Add(1)
				m.l.lastErr.Store("mark: " + err.Error())
			case err == nil && m.l.inWindow(at):
				m.l.marks.Add(1)
			}
		}
	}
}
