package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// clientIP is the address a request comes from: the peer, or, when the
// peer is one of the trusted proxies (Config.TrustedProxies), the
// rightmost address of X-Forwarded-For that is not a trusted proxy. Hops
// further left were written by whoever called the first trusted proxy and
// prove nothing; a peer that is not trusted cannot name another address.
func (h *Handler) clientIP(r *http.Request) string {
	peer := peerIP(r)
	if len(h.trusted) == 0 {
		return peer
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !h.trustedProxy(addr) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	last := addr.Unmap().String()
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			return last // a proxy we trust wrote nonsense: go no further
		}
		if !h.trustedProxy(hop) {
			return hop.String()
		}
		last = hop.String()
	}
	return last // every hop is a trusted proxy: the leftmost is the client
}

// trustedProxy reports whether a is in one of the trusted proxy ranges.
func (h *Handler) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range h.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop parses one X-Forwarded-For entry: an address, possibly with a
// port ("203.0.113.7:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// peerIP is the address of the connection's other end.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Default read deadlines for a request's body (Config.BodyTimeout,
// Config.UploadTimeout): a client that sends its body a byte at a time is
// cut off instead of holding a connection and a goroutine for ever.
const (
	DefaultBodyTimeout   = 30 * time.Second
	DefaultUploadTimeout = 10 * time.Minute
)

// bodyDeadline sets the read deadline of a request that has a body: the
// upload deadline for attachment uploads, the body deadline for every
// other route. Requests without a body (a GET, the WebSocket upgrade) get
// none here; the server's ReadHeaderTimeout covers their headers.
func (h *Handler) bodyDeadline(w http.ResponseWriter, r *http.Request, upload bool) {
	if r.ContentLength == 0 {
		return
	}
	d := h.bodyTimeout
	if upload {
		d = h.uploadTimeout
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d)) // unsupported writers (tests) have no deadline
}
