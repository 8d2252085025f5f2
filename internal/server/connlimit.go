package server

import (
	"net"
	"net/netip"
	"strings"
	"sync"
)

// DefaultMaxConnsPerAddress is how many connections one address may hold
// open at once (Config.MaxConnsPerAddress). A hospital's NAT puts many
// people behind one address, each with a socket and a few requests.
const DefaultMaxConnsPerAddress = 256

// ParseTrustedProxies parses a comma-separated list of CIDRs or addresses
// (--trusted-proxies); a bare address is its own /32 or /128.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// connLimiter is a net.Listener that closes, at once, a connection from an
// address that already holds max open ones, so that one address cannot
// exhaust the server's descriptors and goroutines (slow clients that
// never finish their requests). Loopback and trusted proxies are exempt:
// every client of a proxy, and every socket of `ward bench`, arrives from
// them.
type connLimiter struct {
	net.Listener
	max    int
	exempt func(netip.Addr) bool

	mu   sync.Mutex
	open map[netip.Addr]int
}

func newConnLimiter(ln net.Listener, max int, exempt func(netip.Addr) bool) *connLimiter {
	return &connLimiter{Listener: ln, max: max, exempt: exempt, open: make(map[netip.Addr]int)}
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil {
			return c, nil
		}
		a := ap.Addr().Unmap()
		if l.exempt != nil && l.exempt(a) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[a] >= l.max {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.open[a]++
		l.mu.Unlock()
		return &limitedConn{Conn: c, l: l, addr: a}, nil
	}
}

func (l *connLimiter) release(a netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[a]--; l.open[a] <= 0 {
		delete(l.open, a)
	}
}

// limitedConn gives its slot back once, when closed.
type limitedConn struct {
	net.Conn
	l    *connLimiter
	addr netip.Addr
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}
