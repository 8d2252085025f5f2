package realtime

import (
	"reflect"
	"testing"
)

// An event crosses the wire with every field a node needs, the Data
// verbatim; a batch keeps its events' order.
func TestWireEventRoundTrip(t *testing.T) {
	events := []Event{
		{Type: MessageCreated, OrgID: "o1", ConversationID: "c1", Seq: 1 << 40, Data: []byte(`{"body":"héllo"}`),
			Users: []string{"u1", "u2"}, Devices: []string{"d1"}, Except: "n1.7", PHI: true, PatientID: "p1"},
		{Type: Typing, ConversationID: "c2", Users: []string{""}},
		{Type: DeviceWipe, Devices: []string{"d2", "d3"}},
		{},
	}
	var batch []byte
	for _, ev := range events {
		batch = appendBatched(batch, appendWireEvent(nil, ev))
	}
	var got []Event
	if err := eachBatched(batch, func(ev Event) { got = append(got, ev) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, events) {
		t.Fatalf("got  %+v\nwant %+v", got, events)
	}
}

// A batch cut short or with a byte too many anywhere is refused where it
// stops making sense, without a panic: the events before are handed on,
// none after.
func TestWireEventRefusesMalformed(t *testing.T) {
	ev := Event{Type: MessageCreated, OrgID: "o1", ConversationID: "c1", Seq: 9, Data: []byte(`{"x":1}`),
		Users: []string{"u1", "u2"}, PHI: true}
	one := appendWireEvent(nil, ev)
	batch := appendBatched(appendBatched(nil, one), one)
	for cut := 1; cut < len(batch); cut++ {
		n := 0
		err := eachBatched(batch[:cut], func(Event) { n++ })
		if cut != len(batch)/2 && err == nil {
			t.Fatalf("cut at %d of %d: no error", cut, len(batch))
		}
		if n > 1 {
			t.Fatalf("cut at %d: %d events handed on", cut, n)
		}
	}
	if _, err := readWireEvent(append(one, 0)); err == nil {
		t.Fatal("an event with a trailing byte decoded")
	}
	if _, err := readWireEvent([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}); err == nil {
		t.Fatal("an overlong length decoded")
	}
}
