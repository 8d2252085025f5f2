package server

import (
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// Finding 13: one address holds at most max connections; a further one is
// closed at once, and a closed one frees its slot. Exempt addresses
// (loopback in ward serve, for ward bench and local proxies) are not
// counted.
func TestConnCapPerAddress(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var exempt atomic.Bool
	ln := newConnLimiter(inner, 3, func(netip.Addr) bool { return exempt.Load() })
	defer ln.Close()
	accepted := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedByServer := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF
	}
	var kept []net.Conn
	for range 3 {
		dial()
		kept = append(kept, <-accepted)
	}
	if c := dial(); !closedByServer(c) {
		t.Error("a fourth connection from one address stayed open (cap 3)")
	}
	kept[0].Close()
	c := dial()
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Error("a slot freed by a closed connection was not given to the next one")
	}
	if closedByServer(c) {
		t.Error("the connection after a slot was freed was closed")
	}
	exempt.Store(true)
	for range 5 {
		dial()
		select {
		case <-accepted:
		case <-time.After(2 * time.Second):
			t.Fatal("an exempt address was capped")
		}
	}
}
