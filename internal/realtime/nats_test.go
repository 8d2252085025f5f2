package realtime_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"slices"
	"testing"
	"time"

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

func uniqueSubject() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "ward.test." + hex.EncodeToString(b)
}

// An event published on one node reaches the subscribers of every node,
// with its recipients, once.
func TestNATSBrokerCrossesNodes(t *testing.T) {
	url, subject := natsURL(t), uniqueSubject()
	node1, err := realtime.NewNATSBroker(url, subject)
	if err != nil {
		t.Fatal(err)
	}
	defer node1.Close()
	node2, err := realtime.NewNATSBroker(url, subject)
	if err != nil {
		t.Fatal(err)
	}
	defer node2.Close()
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
