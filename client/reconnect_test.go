package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
)

// Issue 5, show 1: two users exchange messages live; B's socket drops in the
// middle of a burst of 1,000 and, after reconnecting and catching up by
// sequence number, B has all 1,000 in order, each exactly once.
func TestDroppedSocketLosesNothing(t *testing.T) {
	_, a, b, _, bID := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conv := mustDirect(ctx, t, a, bID)
	sock, err := b.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const total = 1000
	sendErr := make(chan error, 1)
	go func() {
		// Four senders at once, as a busy client would.
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < total; i += 4 {
					if _, err := a.Send(ctx, conv.ID, client.SendRequest{ClientID: fmt.Sprintf("burst-%04d", i), Body: fmt.Sprintf("message %04d", i)}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		sendErr <- <-errs
	}()

	got := map[int64]string{} // seq → body, as B learns it
	var order []int64
	take := func(m client.Message) {
		if _, dup := got[m.Seq]; !dup {
			got[m.Seq] = m.Body
			order = append(order, m.Seq)
		}
	}
	// Live: read events until about a third of the burst has come, then drop
	// the socket without a goodbye, as a phone losing its network would.
	// Concurrent sends commit together and their events may arrive out of
	// order: the client keeps the highest seq up to which it has everything.
	live := map[int64]bool{}
	liveMsgs := map[int64]client.Message{}
	var contiguous int64
	for contiguous < total/3 {
		ev, err := sock.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == "message.created" && ev.ConversationID == conv.ID {
			var m client.Message
			if err := json.Unmarshal(ev.Data, &m); err != nil || m.Seq != ev.Seq {
				t.Fatalf("event data %s: %v", ev.Data, err)
			}
			live[ev.Seq] = true
			liveMsgs[ev.Seq] = m
			for live[contiguous+1] {
				contiguous++
			}
		}
	}
	sock.CloseNow()

	// Reconnect, then catch up over REST from the last seq seen, page by
	// page, while the burst goes on; finally take what the socket pushes.
	time.Sleep(50 * time.Millisecond)
	sock, err = b.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	// What the socket delivered up to contiguous is received; the rest is
	// fetched again.
	for seq := int64(1); seq <= contiguous; seq++ {
		take(liveMsgs[seq])
	}
	after := contiguous
	for {
		page, err := b.Messages(ctx, conv.ID, after, 200)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			take(m)
			after = m.Seq
		}
		if len(got) == total {
			break
		}
		if len(page) == 0 {
			select {
			case err := <-sendErr:
				if err != nil {
					t.Fatal(err)
				}
				sendErr <- nil
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	for i, seq := range order {
		if seq != int64(i+1) {
			t.Fatalf("message %d has seq %d: not in order", i, seq)
		}
	}
	if len(got) != total {
		t.Fatalf("B has %d messages, want %d", len(got), total)
	}
	seen := map[string]bool{}
	for _, body := range got {
		if seen[body] {
			t.Fatalf("%q arrived twice", body)
		}
		seen[body] = true
	}
}
