package pushtest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Push is one push request the service received.
type Push struct {
	Subscription string // the Subscription's ID
	Payload      []byte // decrypted
	Urgency      string
	TTL          int
	Topic        string
	At           time.Time
	Err          error // what was wrong with the request (VAPID, encryption); nil: valid
}

// Subscription is a browser's side of a push subscription: the endpoint
// and the keys it hands to the server, and the private key it decrypts with.
type Subscription struct {
	ID       string
	Endpoint string
	P256DH   string // base64url, as a browser gives it
	Auth     string // base64url
	key      *ecdh.PrivateKey
	auth     []byte
}

// Service is the push service. Close it (Start registers that with t).
type Service struct {
	srv *httptest.Server

	mu       sync.Mutex
	vapidKey string // the VAPID public key (base64url) requests must be signed with
	subs     map[string]*Subscription
	status   map[string]int // a subscription's forced answer (410, 429, 500…)
	pushes   []Push
	arrived  chan struct{}
	n        int
}

// Start starts a push service on a loopback TLS port.
func Start(t testing.TB) *Service {
	s := &Service{subs: map[string]*Subscription{}, status: map[string]int{}, arrived: make(chan struct{}, 1)}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// Client is an HTTP client that trusts the service's certificate, with
// room for conns concurrent connections.
func (s *Service) Client(conns int) *http.Client {
	c := s.srv.Client()
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = conns
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// Host is the service's host name ("127.0.0.1"), for the allowed hosts.
func (s *Service) Host() string {
	host, _, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	return host
}

// ExpectVAPIDKey sets the VAPID public key (base64url) every request must
// be signed with: the one GET /api/v1/push/vapid-key answers.
func (s *Service) ExpectVAPIDKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vapidKey = key
}

// NewSubscription makes a subscription as a browser would: a fresh P-256
// key pair and a 16-byte auth secret.
func (s *Service) NewSubscription(t testing.TB) *Subscription {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	id := "sub" + strconv.Itoa(s.n)
	sub := &Subscription{ID: id, Endpoint: s.srv.URL + "/push/" + id, key: key, auth: auth,
		P256DH: base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		Auth:   base64.RawURLEncoding.EncodeToString(auth)}
	s.subs[id] = sub
	return sub
}

// Answer makes the service answer status to the subscription's pushes
// from now on (0: 201 Created again).
func (s *Service) Answer(sub *Subscription, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[sub.ID] = status
}

// Pushes returns what arrived so far, in order.
func (s *Service) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// For returns what arrived for one subscription.
func (s *Service) For(sub *Subscription) []Push {
	var out []Push
	for _, p := range s.Pushes() {
		if p.Subscription == sub.ID {
			out = append(out, p)
		}
	}
	return out
}

// WaitFor waits until n pushes in all arrived, or timeout passes; it
// returns what arrived.
func (s *Service) WaitFor(n int, timeout time.Duration) []Push {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if ps := s.Pushes(); len(ps) >= n {
			return ps
		}
		select {
		case <-s.arrived:
		case <-deadline.C:
			return s.Pushes()
		}
	}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/push/")
	s.mu.Lock()
	sub, known := s.subs[id]
	vapidKey, status := s.vapidKey, s.status[id]
	s.mu.Unlock()
	if r.Method != http.MethodPost || !ok || !known {
		http.NotFound(w, r)
		return
	}
	p := Push{Subscription: id, Urgency: r.Header.Get("Urgency"), Topic: r.Header.Get("Topic"), At: time.Now()}
	p.TTL, p.Err = strconv.Atoi(r.Header.Get("TTL"))
	if p.Err == nil {
		p.Err = checkVAPID(r.Header.Get("Authorization"), vapidKey, "https://"+r.Host, time.Now())
	}
	if p.Err == nil {
		p.Payload, p.Err = decrypt(r, sub)
	}
	s.mu.Lock()
	s.pushes = append(s.pushes, p)
	n := len(s.pushes)
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	switch {
	case p.Err != nil:
		http.Error(w, p.Err.Error(), http.StatusBadRequest)
	case status != 0:
		w.WriteHeader(status)
	default:
		w.Header().Set("Location", "/message/"+strconv.Itoa(n))
		w.WriteHeader(http.StatusCreated)
	}
}

// CertificatePEM is the service's TLS certificate, PEM-encoded: for a ward
// process of a test to trust it (SSL_CERT_FILE).
func (s *Service) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}
