package realtime

import (
	"encoding/binary"
	"errors"
)

// How an event travels between nodes, inside a sealed NATS payload: a
// batch of events (appendBatched), each the fields of Event that nodes
// need, with its recipients, in a binary form of its own. The Data of a
// message.created event, the body clients see, is most of the bytes; JSON
// would have validated and copied it on both sides, and it is carried
// verbatim instead.
//
// An event is: its type, conversation id, Data, org id, except, patient id
// (each a uvarint length and the bytes), its seq (a uvarint), a flags byte
// (bit 0: PHI), and its users and its devices (each a uvarint count, then
// the strings). A batch is events, each after its length as a uvarint.

// errWireEvent is what decoding meets in a payload that is not a batch
// of events: nodes of another wire version, or a bug.
var errWireEvent = errors.New("realtime: malformed event batch")

// appendWireEvent appends ev, encoded, to b.
func appendWireEvent(b []byte, ev Event) []byte {
	for _, s := range []string{ev.Type, ev.ConversationID} {
		b = appendWireString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(ev.Data)))
	b = append(b, ev.Data...)
	for _, s := range []string{ev.OrgID, ev.Except, ev.PatientID} {
		b = appendWireString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(ev.Seq))
	var flags byte
	if ev.PHI {
		flags |= 1
	}
	b = append(b, flags)
	for _, list := range [][]string{ev.Users, ev.Devices} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendWireString(b, s)
		}
	}
	return b
}

func appendWireString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// wireReader reads what appendWireEvent wrote; the first error sticks.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errWireEvent
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errWireEvent
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *wireReader) string() string { return string(r.bytes()) }

func (r *wireReader) strings() []string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) { // each string takes a byte at least
		r.err = errWireEvent
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

// readWireEvent decodes one event that appendWireEvent encoded, all of b.
func readWireEvent(b []byte) (Event, error) {
	r := &wireReader{b: b}
	var ev Event
	ev.Type, ev.ConversationID = r.string(), r.string()
	if data := r.bytes(); len(data) > 0 {
		ev.Data = data
	}
	ev.OrgID, ev.Except, ev.PatientID = r.string(), r.string(), r.string()
	ev.Seq = int64(r.uvarint())
	if r.err == nil && len(r.b) > 0 {
		ev.PHI = r.b[0]&1 != 0
		r.b = r.b[1:]
	} else {
		r.err = errWireEvent
	}
	ev.Users, ev.Devices = r.strings(), r.strings()
	if r.err == nil && len(r.b) != 0 {
		r.err = errWireEvent
	}
	return ev, r.err
}

// appendBatched appends one encoded event (appendWireEvent) to a batch.
func appendBatched(batch, event []byte) []byte {
	batch = binary.AppendUvarint(batch, uint64(len(event)))
	return append(batch, event...)
}

// eachBatched calls fn with every event of a batch, in order, and stops at
// the first that does not decode.
func eachBatched(batch []byte, fn func(Event)) error {
	r := &wireReader{b: batch}
	for len(r.b) > 0 {
		b := r.bytes()
		if r.err != nil {
			return r.err
		}
		ev, err := readWireEvent(b)
		if err != nil {
			return err
		}
		fn(ev)
	}
	return nil
}
