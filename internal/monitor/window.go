package monitor

import "time"

// item is one event in a sliding window: its time, seq, the key the window
// counts apart (a patient, an account) and how many it stands for.
type item struct {
	at  time.Time
	seq int64
	key string
	n   int
}

// window is a sliding window of events over a span: the distinct keys and
// the total count of the events in it. Adding evicts what fell out.
type window struct {
	items []item
	head  int
	keys  map[string]int
	total int
	over  bool // the window crossed its rule's threshold and has not fallen back
}

func newWindow() *window { return &window{keys: make(map[string]int)} }

// add puts it in w and evicts the events older than it.at - span.
func (w *window) add(it item, span time.Duration) {
	w.evict(it.at.Add(-span))
	w.items = append(w.items, it)
	if it.key != "" {
		w.keys[it.key]++
	}
	w.total += it.n
}

func (w *window) evict(before time.Time) {
	for w.head < len(w.items) && w.items[w.head].at.Before(before) {
		old := w.items[w.head]
		if old.key != "" {
			if w.keys[old.key]--; w.keys[old.key] <= 0 {
				delete(w.keys, old.key)
			}
		}
		w.total -= old.n
		w.items[w.head] = item{}
		w.head++
	}
	if w.head > 64 && w.head*2 > len(w.items) {
		n := copy(w.items, w.items[w.head:])
		clear(w.items[n:])
		w.items, w.head = w.items[:n], 0
	}
}

// empty reports whether nothing is left in w.
func (w *window) empty() bool { return w.head == len(w.items) }

// evidence lists w's events: their seqs, and their keys into keys.
func (w *window) evidence(ev *Evidence, keys *[]string) {
	for _, it := range w.items[w.head:] {
		ev.addSeq(it.seq)
		if keys != nil {
			*keys = addID(*keys, it.key)
		}
	}
}

// counts lists w's events with what each stands for (seq and n).
func (w *window) counts() []item {
	out := make([]item, 0, len(w.items)-w.head)
	for _, it := range w.items[w.head:] {
		out = append(out, item{seq: it.seq, n: it.n})
	}
	return out
}

// windowFor is the window of key in ws, a new one the first time.
func windowFor(ws map[string]*window, key string) *window {
	w := ws[key]
	if w == nil {
		w = newWindow()
		ws[key] = w
	}
	return w
}
