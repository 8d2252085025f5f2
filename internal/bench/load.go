package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward/client"
)

// load is the message phase: senders, the sockets that receive, and what
// they count. Times are offsets from base (monotonic, this process only).
type load struct {
	cfg    Config
	users  []*user
	direct []*conv
	groups []*conv
	base   time.Time
	body   string

	// The measured window [from, to) in offsets from base; a message
	// counts when its send started inside it.
	from, to atomic.Int64

	seq       atomic.Int64
	sentAll   atomic.Int64 // acknowledged sends, any phase (progress)
	sent      atomic.Int64 // acknowledged sends in the window
	missed    atomic.Int64 // sends due in the window that no sender was free for
	failed    atomic.Int64 // sends that got an error
	expected  atomic.Int64 // deliveries the window's sends should make
	delivAll  atomic.Int64 // deliveries, any phase (progress)
	delivered atomic.Int64 // deliveries of the window's messages
	frames    atomic.Int64 // message frames of the window's messages on every recipient socket
	echoes    atomic.Int64 // frames on the sender's own sockets
	dropped   atomic.Int64 // sockets that ended before the run did
	// With --receipts: marks answered that started in the window, marks
	// refused, and receipt events the senders' first sockets got in it.
	marks, markFailed, receipts atomic.Int64
	lastErr                     atomic.Value // string

	latency hist // send→deliver, every recipient socket, window only
	sendRTT hist // send → HTTP answer, window only

	sockets []*client.Socket
	readers sync.WaitGroup
	closing atomic.Bool
}

func newLoad(cfg Config, users []*user, direct, groups []*conv) *load {
	l := &load{cfg: cfg, users: users, direct: direct, groups: groups, base: time.Now()}
	l.from.Store(math.MaxInt64)
	l.to.Store(math.MaxInt64)
	l.body = strings.Repeat("x", cfg.BodySize)
	return l
}

func (l *load) now() int64 { return int64(time.Since(l.base)) }

func (l *load) inWindow(t int64) bool { return t >= l.from.Load() && t < l.to.Load() }

// openSockets opens n sockets, round-robin over the users, each read by
// its own goroutine until ctx ends.
func (l *load) openSockets(ctx context.Context, n int) error {
	owner := make([]*user, n)
	for i := range owner {
		owner[i] = l.users[i%len(l.users)]
		owner[i].sockets++
	}
	l.sockets = make([]*client.Socket, n)
	return forEach(ctx, n, 16, func(i int) error {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := owner[i].c.Dial(dctx)
		if err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
		l.sockets[i] = s
		primary := i < len(l.users)
		var m *marker
		if primary && l.cfg.Receipts != "none" {
			m = &marker{l: l, s: s, kind: l.cfg.Receipts, pending: map[string]int64{}}
		}
		l.readers.Add(1)
		go l.read(s, owner[i], primary, m)
		return nil
	})
}

// read counts the message frames of one socket until it is closed
// (closeSockets). primary: the user's first socket, which counts
// deliveries (the others count frames only). It reads without a context
// that can end: with one, the WebSocket library registers a callback on it
// for every frame (context.AfterFunc), and every reader's on the same
// context, the run's, contend for its lock: 7 % of this process's CPU.
// m, when not nil (--receipts, primary sockets), marks what arrives.
func (l *load) read(s *client.Socket, u *user, primary bool, m *marker) {
	defer l.readers.Done()
	for {
		ev, err := s.Next(context.Background())
		if err != nil {
			if !l.closing.Load() {
				l.dropped.Add(1)
				l.lastErr.Store("socket: " + err.Error())
			}
			return
		}
		if ev.Type == "receipt" && primary && l.inWindow(l.now()) {
			l.receipts.Add(1)
		}
		if ev.Type != "message.created" {
			continue
		}
		now := l.now()
		sender, sentAt, ok := parseClientID(ev.Data)
		if !ok {
			continue
		}
		if sender == u.idx {
			l.echoes.Add(1)
			continue
		}
		if primary {
			l.delivAll.Add(1)
		}
		if m != nil {
			m.note(ev.ConversationID, ev.Seq)
		}
		if !l.inWindow(sentAt) {
			continue
		}
		l.frames.Add(1)
		l.latency.record(time.Duration(now - sentAt))
		if primary {
			l.delivered.Add(1)
		}
	}
}

// clientID carries the send time and the sender: b.OFFSET.SENDER.N, the
// offset zero-padded so that ids sort by time, as client.NewClientID's
// UUIDv7s do (ward indexes client ids: time-ordered ones are added at the
// end of the index).
func clientID(sender int, at, n int64) string {
	t := strconv.FormatInt(at, 10)
	if len(t) < 16 {
		t = "0000000000000000"[len(t):] + t
	}
	return "b." + t + "." + strconv.Itoa(sender) + "." + strconv.FormatInt(n, 10)
}

var clientIDKey = []byte(`"client_id":"b.`)

func parseClientID(data []byte) (sender int, at int64, ok bool) {
	i := bytes.Index(data, clientIDKey)
	if i < 0 {
		return 0, 0, false
	}
	rest := data[i+len(clientIDKey):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, 0, false
	}
	parts := strings.SplitN(string(rest[:end]), ".", 3)
	if len(parts) != 3 {
		return 0, 0, false
	}
	t, err1 := strconv.ParseInt(parts[0], 10, 64)
	s, err2 := strconv.Atoi(parts[1])
	return s, t, err1 == nil && err2 == nil
}

// sendOne sends one message from a random member of a random
// conversation (a group one with probability GroupRatio).
func (l *load) sendOne(ctx context.Context, r *rand.Rand) {
	list := l.direct
	if len(l.groups) > 0 && r.Float64() < l.cfg.GroupRatio {
		list = l.groups
	}
	cv := list[r.IntN(len(list))]
	k := r.IntN(len(cv.members))
	s := cv.members[k]
	at := l.now()
	id := clientID(s, at, l.seq.Add(1))
	body := id + " " + l.body
	body = body[:l.cfg.BodySize]
	req := client.SendRequest{ClientID: id, Body: body}
	var err error
	if l.cfg.SendOver == "ws" && s < len(l.sockets) {
		_, err = l.sockets[s].Send(ctx, cv.id, req) // socket s is user s's first
	} else {
		_, err = l.users[s].c.Send(ctx, cv.id, req)
	}
	rtt := time.Duration(l.now() - at)
	if err != nil {
		if ctx.Err() == nil {
			l.failed.Add(1)
			l.lastErr.Store("send: " + err.Error())
		}
		return
	}
	l.sentAll.Add(1)
	if l.inWindow(at) {
		l.sent.Add(1)
		l.expected.Add(int64(cv.recipients[k]))
		l.sendRTT.record(rtt)
	}
}

// drive offers Rate sends per second (open loop) from warm-up start to the
// end of the window, or in sequential mode sends back to back from one
// sender. It returns when every send has its answer.
// atWindow is called as the measured window opens.
func (l *load) drive(ctx context.Context, warmup, window time.Duration, atWindow func()) {
	start := l.now()
	from, end := start+int64(warmup), start+int64(warmup+window)
	opened := false
	open := func(now int64) {
		if !opened && now >= from {
			opened = true
			atWindow()
			l.from.Store(from)
			l.to.Store(end)
		}
	}
	if l.cfg.Sequential {
		r := rand.New(rand.NewPCG(rand.Uint64(), 0))
		for ctx.Err() == nil {
			now := l.now()
			if now >= end {
				break
			}
			open(now)
			l.sendOne(ctx, r)
		}
		return
	}
	tokens := make(chan struct{})
	var wg sync.WaitGroup
	for range l.cfg.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A context of its own: each send's write registers a callback
			// on it (see read), and on the run's every sender's would
			// contend for one lock.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
			for range tokens {
				l.sendOne(ctx, r)
			}
		}()
	}
	var issued int64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		now := l.now()
		if now >= end {
			break
		}
		open(now)
		due := int64(l.cfg.Rate * float64(now-start) / 1e9)
		for ; issued < due; issued++ {
			select {
			case tokens <- struct{}{}:
			default:
				if l.inWindow(now) {
					l.missed.Add(1)
				}
			}
		}
		<-tick.C
	}
	close(tokens)
	wg.Wait()
}

// drain waits until the window's deliveries are all in, or until none
// arrived for two seconds (at most 15 s).
func (l *load) drain(ctx context.Context) {
	deadline := time.Now().Add(15 * time.Second)
	last, lastAt := l.delivered.Load(), time.Now()
	for ctx.Err() == nil && time.Now().Before(deadline) {
		d := l.delivered.Load()
		if d >= l.expected.Load() {
			return
		}
		if d != last {
			last, lastAt = d, time.Now()
		} else if time.Since(lastAt) > 2*time.Second {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closeSockets closes every socket and waits for the readers. A second
// call finds nothing left to close.
func (l *load) closeSockets() {
	l.closing.Store(true)
	var wg sync.WaitGroup
	for i, s := range l.sockets {
		if s == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.CloseNow(); l.sockets[i] = nil }()
	}
	wg.Wait()
	l.readers.Wait()
}
