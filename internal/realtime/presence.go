package realtime

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Presence is which users have a live socket on the other nodes of a
// cluster, learnt over NATS. Push notifications ask it: a user reading ward
// on any node needs no push for a routine message (urgent ones always push),
// and the sender's node need not look their devices up. Without it, a
// receiver whose socket is on another node looked offline to the sender's.
//
// Each node tells the others when a user's first socket opens on it and
// when their last one closes, and answers a node that joins (or reconnects
// to NATS, having perhaps missed some) with all its users, in parts. It
// beats every Every so the others know it lives; a node not heard from in
// three beats is forgotten with its users (a node killed with -9). It is a
// hint, at most once like everything on NATS: at worst a push is sent to
// someone reading, or a routine one is not sent for a few seconds to
// someone whose node just died.
type Presence struct {
	nc      *nats.Conn
	wire    *wireSeal
	sub     *nats.Subscription
	subject string
	node    string
	every   time.Duration
	local   func() []string // this node's users with a socket

	mu    sync.RWMutex
	peers map[string]*peer // by node id

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type peer struct {
	users map[string]struct{}
	seen  time.Time
}

// presenceMsg is what nodes tell each other about their users.
type presenceMsg struct {
	Node  string   `json:"node"`
	Op    string   `json:"op"` // hello, all (Part of Parts), +, -, beat, bye
	Part  int      `json:"part,omitempty"`
	Users []string `json:"users,omitempty"`
}

// presencePart bounds the users in one "all" message, well under NATS's
// 1 MB message size.
const presencePart = 5_000

// DefaultPresenceEvery is how often a node beats.
const DefaultPresenceEvery = 5 * time.Second

// StartPresence joins the cluster's presence as node, its users read from
// local (the hub's Users), beating every every (DefaultPresenceEvery when
// 0). Close leaves it.
func (b *NATSBroker) StartPresence(node string, local func() []string, every time.Duration) (*Presence, error) {
	if every <= 0 {
		every = DefaultPresenceEvery
	}
	p := &Presence{nc: b.nc, wire: b.wire, subject: b.subject + ".presence", node: node, every: every, local: local,
		peers: map[string]*peer{}, stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if p.sub, err = b.nc.Subscribe(p.subject, p.receive); err != nil {
		return nil, fmt.Errorf("NATS subscribe %s: %w", p.subject, err)
	}
	// At the start, and after a NATS reconnect (either side may have
	// missed the other's changes meanwhile): ask for everyone's users and
	// tell them all of this node's.
	join := func() {
		p.send(presenceMsg{Op: "hello"})
		p.sendAll()
	}
	b.nc.SetReconnectHandler(func(*nats.Conn) { join() })
	join()
	go p.run()
	return p, nil
}

// Changed tells the other nodes that user's first socket on this node
// opened (online) or their last one closed. It never blocks.
func (p *Presence) Changed(user string, online bool) {
	op := "-"
	if online {
		op = "+"
	}
	p.send(presenceMsg{Op: op, Users: []string{user}})
}

// Online reports whether user has a live socket on another node.
func (p *Presence) Online(user string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, n := range p.peers {
		if _, ok := n.users[user]; ok {
			return true
		}
	}
	return false
}

// Close tells the others this node is leaving, and stops. It is safe to
// call twice.
func (p *Presence) Close() {
	p.closeOnce.Do(func() {
		close(p.stop)
		<-p.done
		p.send(presenceMsg{Op: "bye"})
		p.sub.Unsubscribe()
	})
}

func (p *Presence) run() {
	defer close(p.done)
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.send(presenceMsg{Op: "beat"})
			p.forget(now.Add(-3 * p.every))
		}
	}
}

// forget drops the nodes not heard from since before.
func (p *Presence) forget(before time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, n := range p.peers {
		if n.seen.Before(before) {
			delete(p.peers, id)
		}
	}
}

func (p *Presence) send(m presenceMsg) {
	m.Node = p.node
	data, err := json.Marshal(m)
	if err == nil {
		p.nc.Publish(p.subject, p.wire.seal(p.subject, data)) // buffered; a closed connection drops it
	}
}

// sendAll tells the others every user of this node, in parts.
func (p *Presence) sendAll() {
	users := p.local()
	for part := 0; part == 0 || part*presencePart < len(users); part++ {
		p.send(presenceMsg{Op: "all", Part: part, Users: users[part*presencePart : min(len(users), (part+1)*presencePart)]})
	}
}

func (p *Presence) receive(msg *nats.Msg) {
	data, ok := p.wire.open(p.subject, msg.Data)
	if !ok {
		return
	}
	var m presenceMsg
	if json.Unmarshal(data, &m) != nil || m.Node == "" || m.Node == p.node {
		return
	}
	if m.Op == "hello" { // a node joined: it learns of this one
		p.sendAll()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.Op == "bye" {
		delete(p.peers, m.Node)
		return
	}
	n := p.peers[m.Node]
	if n == nil || (m.Op == "all" && m.Part == 0) {
		n = &peer{users: map[string]struct{}{}}
		p.peers[m.Node] = n
	}
	n.seen = time.Now()
	switch m.Op {
	case "all", "+":
		for _, u := range m.Users {
			n.users[u] = struct{}{}
		}
	case "-":
		for _, u := range m.Users {
			delete(n.users, u)
		}
	}
}
