package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// newPush builds a push Service over a store and keyring, sending to ps
// (nil: nowhere; any host is then allowed).
func newPush(t testing.TB, st *store.Store, kr *keyring.Keyring, ps *pushtest.Service, online func(string) bool) *push.Service {
	t.Helper()
	key, err := kr.VAPIDKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := push.Config{Store: st, Keyring: kr, Key: key, Subject: "mailto:it@stmary.example", Online: online}
	if ps != nil {
		cfg.Hosts, cfg.Client = []string{ps.Host()}, ps.Client(8)
	}
	svc, err := push.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return svc
}

// TestPushOverHTTP (issue 23): the VAPID key, a subscription posted by the
// signed-in device, an urgent message sent over REST that reaches it
// VAPID-signed with that key and holds no PHI, and DELETE.
func TestPushOverHTTP(t *testing.T) {
	ps := pushtest.Start(t)
	var svc *push.Service
	f := apptest.New(t, false, apptest.WithBroker(func(st *store.Store, kr *keyring.Keyring) realtime.Broker {
		svc = newPush(t, st, kr, ps, nil)
		return push.Tap(realtime.NewLocalBroker(), svc)
	}))
	h := httpapi.New(httpapi.Config{App: f.App, Push: svc})
	e := &env{f: f, h: h, srv: httptest.NewServer(h)}
	t.Cleanup(e.srv.Close)
	doc, _ := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dr Doc")
	nurse, _ := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nurse")
	docTok, nurseTok := e.token(t, doc.Email, "pw for doc@stmary.example is long"), e.token(t, nurse.Email, "pw for nurse@stmary.example is long")

	var key struct{ Key string }
	if status, code := e.sendJSON(t, "GET", "/api/v1/push/vapid-key", nurseTok, "", &key); status != http.StatusOK || key.Key == "" {
		t.Fatalf("vapid key: %d %s %q", status, code, key.Key)
	}
	ps.ExpectVAPIDKey(key.Key) // the push service checks every JWT against what the API gave

	sub := ps.NewSubscription(t)
	good := fmt.Sprintf(`{"endpoint":%q,"expirationTime":null,"keys":{"p256dh":%q,"auth":%q}}`, sub.Endpoint, sub.P256DH, sub.Auth)
	// Bad input: 400 invalid_input, nothing stored.
	other := ps.NewSubscription(t)
	for name, body := range map[string]string{
		"http endpoint":    strings.Replace(good, "https://", "http://", 1),
		"other host":       strings.Replace(good, ps.Host(), "push.example.org", 1),
		"short p256dh":     strings.Replace(good, sub.P256DH, sub.P256DH[:40], 1),
		"p256dh off-curve": strings.Replace(good, sub.P256DH, "BA"+strings.Repeat("A", 85), 1),
		"auth 15 bytes":    strings.Replace(good, sub.Auth, "AAAAAAAAAAAAAAAAAAAA", 1),
		"auth not base64":  strings.Replace(good, sub.Auth, other.Auth[:20]+"!!", 1),
		"no keys":          fmt.Sprintf(`{"endpoint":%q}`, sub.Endpoint),
		"unknown field":    strings.Replace(good, `"keys"`, `"extra":1,"keys"`, 1),
	} {
		if status, code := e.sendJSON(t, "POST", "/api/v1/devices/current/push", nurseTok, body, nil); status != http.StatusBadRequest || code != string(ward.CodeInvalid) {
			t.Errorf("%s: %d %s, want 400 invalid_input", name, status, code)
		}
	}
	if n := countSubs(t, f, nurse.ID); n != 0 {
		t.Fatalf("bad input stored %d subscriptions", n)
	}
	if status, code := e.sendJSON(t, "POST", "/api/v1/devices/current/push", nurseTok, good, nil); status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", status, code)
	}
	// The sealed row holds no endpoint in the clear.
	var sealed []byte
	f.Store.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.PushSubscriptions(context.Background(), []string{nurse.ID})
		if len(rows) == 1 {
			sealed = rows[0].Sealed
		}
		return err
	})
	if len(sealed) == 0 || strings.Contains(string(sealed), "push/") || strings.Contains(string(sealed), sub.Auth) {
		t.Fatalf("subscription not sealed: %q", sealed)
	}

	var conv struct{ ID string }
	if status, code := e.sendJSON(t, "POST", "/api/v1/conversations", docTok, fmt.Sprintf(`{"kind":"direct","members":[%q]}`, nurse.ID), &conv); status != http.StatusCreated {
		t.Fatalf("conversation: %d %s", status, code)
	}
	start := time.Now()
	if status, code := e.sendJSON(t, "POST", "/api/v1/conversations/"+conv.ID+"/messages", docTok,
		`{"client_id":"stat-1","body":"CANARY-7731 potassium 6.9","priority":"urgent"}`, nil); status != http.StatusCreated {
		t.Fatalf("send: %d %s", status, code)
	}
	got := ps.WaitFor(1, time.Second)
	if len(got) != 1 || got[0].Err != nil {
		t.Fatalf("pushes within 1 s: %+v", got)
	}
	t.Logf("REST send to push service: %v", got[0].At.Sub(start))
	var pl map[string]any
	if err := json.Unmarshal(got[0].Payload, &pl); err != nil || pl["kind"] != "urgent_message" || pl["conversation_id"] != conv.ID || pl["count"] != 1.0 || len(pl) != 3 {
		t.Errorf("payload %s (%v)", got[0].Payload, err)
	}
	if strings.Contains(string(got[0].Payload), "CANARY") {
		t.Errorf("payload holds the body: %s", got[0].Payload)
	}

	// DELETE drops it; a second DELETE is fine too.
	for range 2 {
		if status, code := e.sendJSON(t, "DELETE", "/api/v1/devices/current/push", nurseTok, "", nil); status != http.StatusNoContent {
			t.Fatalf("unsubscribe: %d %s", status, code)
		}
	}
	if n := countSubs(t, f, nurse.ID); n != 0 {
		t.Fatalf("%d subscriptions after DELETE", n)
	}
	acts := strings.Join(f.AuditActions(t), " ")
	if strings.Count(acts, "device.push_subscribed") != 1 || strings.Count(acts, "device.push_unsubscribed") != 1 {
		t.Errorf("audit trail: %s", acts)
	}
}

func countSubs(t *testing.T, f *apptest.Fixture, userID string) int {
	t.Helper()
	var n int
	if err := f.Store.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.PushSubscriptions(context.Background(), []string{userID})
		n = len(rows)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestServiceWorkerServed: /sw.js is served from the embedded client at the
// root scope, as JavaScript that browsers revalidate (a new release's worker
// is picked up), and it never touches /api/ answers.
func TestServiceWorkerServed(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/sw.js")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET /sw.js: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	for _, want := range []string{`addEventListener("push"`, `addEventListener("notificationclick"`, `url.pathname.startsWith("/api/")`, "/c/${conv}"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("sw.js lacks %s", want)
		}
	}
}
