package server

import (
	"net"
	"net/url"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/passkeys"
)

// RelyingParty is the WebAuthn relying party that passkeys are bound to,
// from cfg.PublicURL: its host is the RP id and its origin the one origin
// browsers may use. Without a PublicURL it is https://localhost:PORT, PORT
// from cfg.Addr, which suits a laptop or a first try; behind a real name set
// --public-url, since a passkey registered for one RP id never works on
// another.
func RelyingParty(cfg Config) (passkeys.Config, error) {
	pub := strings.TrimSpace(cfg.PublicURL)
	if pub == "" {
		addr := cfg.Addr
		if addr == "" {
			addr = DefaultAddr
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return passkeys.Config{}, ward.Errorf(ward.CodeInvalid, "--addr %q is not host:port", addr)
		}
		pub = "https://localhost"
		if port != "443" && port != "" {
			pub += ":" + port
		}
	}
	u, err := url.Parse(pub)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return passkeys.Config{}, ward.Errorf(ward.CodeInvalid, "--public-url %q must be an absolute https:// URL, e.g. https://ward.example.org", pub)
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "http" && host != "localhost" {
		return passkeys.Config{}, ward.Errorf(ward.CodeInvalid, "--public-url must use https:// (browsers allow passkeys over http only on localhost)")
	}
	if net.ParseIP(host) != nil {
		return passkeys.Config{}, ward.Errorf(ward.CodeInvalid, "--public-url must name a host, not an IP address: passkeys are bound to a domain")
	}
	origin := u.Scheme + "://" + host
	if p := u.Port(); p != "" && !(u.Scheme == "https" && p == "443") && !(u.Scheme == "http" && p == "80") {
		origin += ":" + p
	}
	return passkeys.Config{RPID: host, RPOrigins: []string{origin}, RPName: "ward"}, nil
}
