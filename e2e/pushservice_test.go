package e2e

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The suite's push service: a real Web Push service (RFC 8030) in the test
// process, over TLS on loopback, that the ward binary sends its pushes to.
// ward takes its endpoints because the harness gives it --push-hosts
// 127.0.0.1, and trusts its certificate because the harness points ward's
// SSL_CERT_FILE at it (Go's crypto/x509 reads the system roots from there
// on Linux): no test-only path in ward. Each push's VAPID JWT is checked
// and its payload decrypted with the subscription's private key, which
// only the test holds (pushcrypto_test.go), so a test sees what a phone
// gets. (The main module's pushtest is internal to that module; this is
// its port for the suite.)

type pushService struct {
	srv    *httptest.Server
	caFile string // the PEM file ward trusts (SSL_CERT_FILE)

	mu       sync.Mutex
	vapidKey string // the key every push must be signed with (GET /api/v1/push/vapid-key)
	subs     map[string]*pushSub
	got      []pushMsg
	news     chan struct{} // closed and replaced when a push arrives
	n        int
}

// pushSub is a browser's side of a subscription: what it hands to ward
// (the endpoint and keys) and what it keeps (the private key, the secret).
type pushSub struct {
	ID, Endpoint, P256DH, Auth string
	key                        *ecdh.PrivateKey
	auth                       []byte
}

// pushMsg is one push request as it arrived.
type pushMsg struct {
	Sub     string // the pushSub's ID
	Payload []byte // decrypted
	Urgency string
	TTL     int
	Err     error // what was wrong with it (VAPID, encryption); nil: valid
}

// startPushService serves on a loopback TLS port and writes the
// certificate to trust into dir.
func startPushService(dir string) (*pushService, error) {
	ps := &pushService{subs: map[string]*pushSub{}, news: make(chan struct{})}
	ps.srv = httptest.NewTLSServer(http.HandlerFunc(ps.serve))
	// httptest's certificate is self-signed for 127.0.0.1: it is its own CA.
	ps.caFile = filepath.Join(dir, "push-ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ps.srv.Certificate().Raw})
	if err := os.WriteFile(ps.caFile, ca, 0o644); err != nil {
		ps.srv.Close()
		return nil, err
	}
	return ps, nil
}

func (ps *pushService) close() { ps.srv.Close() }

// host is what ward's --push-hosts must allow.
func (ps *pushService) host() string {
	host, _, _ := net.SplitHostPort(ps.srv.Listener.Addr().String())
	return host
}

func (ps *pushService) expectVAPIDKey(key string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.vapidKey = key
}

// newSubscription makes a subscription as a browser does at its push
// service: an endpoint, a fresh P-256 key pair and a 16-byte auth secret.
func (ps *pushService) newSubscription(t *testing.T) *pushSub {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.n++
	id := "sub" + strconv.Itoa(ps.n)
	s := &pushSub{ID: id, Endpoint: ps.srv.URL + "/push/" + id, key: key, auth: auth,
		P256DH: b64url(key.PublicKey().Bytes()), Auth: b64url(auth)}
	ps.subs[id] = s
	return s
}

// mark is where the next push will be: wait and since look only after it.
func (ps *pushService) mark() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.got)
}

// since returns the pushes for sub after mark.
func (ps *pushService) since(mark int, sub *pushSub) []pushMsg {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var out []pushMsg
	for _, m := range ps.got[mark:] {
		if m.Sub == sub.ID {
			out = append(out, m)
		}
	}
	return out
}

// wait returns the first push for sub after mark; none within the
// timeout fails t.
func (ps *pushService) wait(t *testing.T, mark int, sub *pushSub, timeout time.Duration) pushMsg {
	t.Helper()
	deadline := time.After(timeout)
	for {
		ps.mu.Lock()
		news := ps.news
		ps.mu.Unlock()
		if got := ps.since(mark, sub); len(got) > 0 {
			return got[0]
		}
		select {
		case <-news:
		case <-deadline:
			t.Fatalf("no push for %s in %v (%d pushes in all)", sub.ID, timeout, ps.mark())
		}
	}
}

func (ps *pushService) serve(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/push/")
	ps.mu.Lock()
	sub, known := ps.subs[id]
	vapidKey := ps.vapidKey
	ps.mu.Unlock()
	if r.Method != http.MethodPost || !ok || !known {
		http.NotFound(w, r)
		return
	}
	m := pushMsg{Sub: id, Urgency: r.Header.Get("Urgency")}
	m.TTL, m.Err = strconv.Atoi(r.Header.Get("TTL"))
	if m.Err == nil {
		m.Err = checkVAPID(r.Header.Get("Authorization"), vapidKey, "https://"+r.Host, time.Now())
	}
	if m.Err == nil {
		m.Payload, m.Err = decryptPush(r, sub)
	}
	ps.mu.Lock()
	ps.got = append(ps.got, m)
	n := len(ps.got)
	close(ps.news)
	ps.news = make(chan struct{})
	ps.mu.Unlock()
	if m.Err != nil {
		http.Error(w, m.Err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/message/%d", n))
	w.WriteHeader(http.StatusCreated)
}
