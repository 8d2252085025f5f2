package crashtest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rrProxy is a round-robin TCP proxy on loopback, as a load balancer in
// front of a cluster: each connection goes to the next backend that
// accepts it, skipping one that refuses (a dead node), and is closed when
// its backend's side closes.
type rrProxy struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	mu       sync.Mutex
	active   map[string]int // open connections per backend
}

func newRRProxy(t *testing.T, backends ...string) *rrProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rrProxy{ln: ln, backends: backends, active: map[string]int{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
	return p
}

func (p *rrProxy) addr() string { return p.ln.Addr().String() }

func (p *rrProxy) forward(c net.Conn) {
	defer c.Close()
	start := p.next.Add(1)
	var up net.Conn
	var backend string
	for i := range uint64(len(p.backends)) {
		backend = p.backends[(start+i)%uint64(len(p.backends))]
		var err error
		if up, err = net.DialTimeout("tcp", backend, time.Second); err == nil {
			break
		}
	}
	if up == nil {
		return
	}
	defer up.Close()
	p.mu.Lock()
	p.active[backend]++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.active[backend]--
		p.mu.Unlock()
	}()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// open returns how many connections the proxy holds open to backend.
func (p *rrProxy) open(backend string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active[backend]
}
