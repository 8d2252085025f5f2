package realtime_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/wardhealth/ward/internal/realtime"
)

// natsURL is the NATS server the tests use (this machine and CI run one on
// 127.0.0.1:4222). Without it the tests skip, except under CI.
func natsURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("WARD_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	conn, err := net.DialTimeout("tcp", url[len("nats://"):], 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no NATS server at %s: %v", url, err)
		}
		t.Skipf("no NATS server at %s", url)
	}
	conn.Close()
	return url
}

// testWireKey is the cluster's wire key in these tests.
var testWireKey = bytes.Repeat([]byte{7}, realtime.WireKeySize)

// node joins subject at url as a node with key, until the test ends.
func node(t *testing.T, url, subject string, key []byte) *realtime.NATSBroker {
	t.Helper()
	b, err := realtime.NewNATSBroker(url, subject, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func uniqueSubject() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "ward.test." + hex.EncodeToString(b)
}

// An event published on one node reaches the subscribers of every node,
// with its recipients, once.
func TestNATSBrokerCrossesNodes(t *testing.T) {
	url, subject := natsURL(t), uniqueSubject()
	node1, node2 := node(t, url, subject, testWireKey), node(t, url, subject, testWireKey)
	got1, got2 := make(chan realtime.Event, 1), make(chan realtime.Event, 1)
	node1.Subscribe(func(ev realtime.Event) { got1 <- ev })
	cancel2 := node2.Subscribe(func(ev realtime.Event) { got2 <- ev })
	sent := realtime.Event{Type: realtime.MessageCreated, OrgID: "o1", ConversationID: "c1", Seq: 7,
		Data: []byte(`{"x":1}`), Users: []string{"u1", "u2"}, Devices: []string{"d1"}, PHI: true, PatientID: "p1"}
	if err := node1.Publish(context.Background(), sent); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []chan realtime.Event{got1, got2} {
		select {
		case ev := <-ch:
			if ev.Type != sent.Type || ev.OrgID != "o1" || ev.Seq != 7 || !slices.Equal(ev.Users, sent.Users) ||
				!slices.Equal(ev.Devices, sent.Devices) || string(ev.Data) != `{"x":1}` || !ev.PHI || ev.PatientID != "p1" {
				t.Errorf("received %+v", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the event did not arrive")
		}
	}
	select { // a node hands its own events to its subscribers once: NATS does not echo them back
	case ev := <-got1:
		t.Errorf("the publishing node got its event twice: %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
	cancel2()
	node1.Publish(context.Background(), sent)
	select {
	case ev := <-got2:
		t.Errorf("an unsubscribed function got %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

// What nodes tell each other crosses NATS sealed: a subscriber with the
// NATS server's own access sees neither a message's body nor who it is
// for, and a node drops a payload it cannot open (another cluster's key, a
// forged plain event, an altered one) instead of handing it to sockets.
func TestNATSWireIsSealed(t *testing.T) {
	url, subject := natsURL(t), uniqueSubject()
	spy, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	raw := make(chan []byte, 16)
	if _, err := spy.Subscribe(">", func(m *nats.Msg) {
		if strings.HasPrefix(m.Subject, subject) {
			raw <- m.Data
		}
	}); err != nil {
		t.Fatal(err)
	}
	spy.Flush()
	node1, node2 := node(t, url, subject, testWireKey), node(t, url, subject, testWireKey)
	stranger := node(t, url, subject, bytes.Repeat([]byte{8}, realtime.WireKeySize))
	got2, gotStranger := make(chan realtime.Event, 4), make(chan realtime.Event, 4)
	node2.Subscribe(func(ev realtime.Event) { got2 <- ev })
	stranger.Subscribe(func(ev realtime.Event) { gotStranger <- ev })

	const canary = "CANARY-wire-7f3a"
	ev := realtime.Event{Type: realtime.MessageCreated, OrgID: "org-" + canary, ConversationID: "c1", Seq: 1,
		Data: []byte(`{"body":"` + canary + `"}`), Users: []string{"user-" + canary}, PHI: true}
	if err := node1.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-got2:
		if !strings.Contains(string(got.Data), canary) {
			t.Errorf("node2 got %s", got.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sealed event did not reach node2")
	}
	select {
	case data := <-raw:
		if bytes.Contains(data, []byte(canary)) || bytes.Contains(data, []byte("message.created")) {
			t.Errorf("NATS carried the event readable: %q", data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the spy saw nothing")
	}

	// A forged plain event, a sealed one replayed, and one altered by a
	// bit: dropped.
	plain := []byte(`{"type":"message.created","org_id":"o1","users":["u1"],"data":{"body":"forged"}}`)
	if err := spy.Publish(subject, plain); err != nil {
		t.Fatal(err)
	}
	node1.Publish(context.Background(), ev)
	var sealed []byte
	for sealed == nil {
		select {
		case data := <-raw:
			if !bytes.Equal(data, plain) {
				sealed = data
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the spy saw nothing")
		}
	}
	<-got2 // the second real one
	// The sealed one replayed as it was, then altered.
	spy.Publish(subject, sealed)
	altered := bytes.Clone(sealed)
	altered[len(altered)-1] ^= 1
	spy.Publish(subject, altered)
	spy.Flush()
	select {
	case got := <-got2:
		t.Errorf("node2 handed on a payload it should have dropped: %+v", got)
	case got := <-gotStranger:
		t.Errorf("a node with another key opened %+v", got)
	case <-time.After(300 * time.Millisecond):
	}
}

// Events published together cross NATS in few messages (a group commit's
// sends share one), every one of them arriving once and in the order it
// was published; Close publishes what is still queued.
func TestNATSBrokerBatchesEvents(t *testing.T) {
	url, subject := natsURL(t), uniqueSubject()
	spy, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	msgs, err := spy.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	spy.Flush()
	node1, node2 := node(t, url, subject, testWireKey), node(t, url, subject, testWireKey)
	const n = 2000
	got := make(chan int64, n)
	node2.Subscribe(func(ev realtime.Event) { got <- ev.Seq })
	ctx := context.Background()
	for i := range n {
		ev := realtime.Event{Type: realtime.MessageCreated, OrgID: "o1", ConversationID: "c1", Seq: int64(i + 1),
			Data: []byte(`{"body":"x"}`), Users: []string{"u1", "u2"}, PHI: true}
		if err := node1.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := node1.Close(); err != nil {
		t.Fatal(err)
	}
	for want := int64(1); want <= n; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("event %d arrived where %d was due", seq, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d of %d did not arrive", want, n)
		}
	}
	carried := 0
	for {
		if _, err := msgs.NextMsg(200 * time.Millisecond); err != nil {
			break
		}
		carried++
	}
	if carried == 0 || carried >= n/2 {
		t.Fatalf("%d events crossed in %d NATS messages: want them batched", n, carried)
	}
	t.Logf("%d events crossed in %d NATS messages", n, carried)
	if err := node1.Publish(ctx, realtime.Event{Type: realtime.Typing}); err == nil {
		t.Fatal("Publish after Close succeeded")
	}
}
