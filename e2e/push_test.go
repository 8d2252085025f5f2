package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"
)

// TestServiceWorkerPush (issue 23, shows 3, the browser's part): the
// service worker registers in Debian's Chromium, caches the app shell and
// never an API answer; a push delivered through the DevTools protocol
// (ServiceWorker.deliverPushMessage) with the payload ward sends for an
// urgent message shows "Urgent message", no PHI, pointing at the
// conversation; a wipe unregisters the worker and deletes its caches.
// TestPushWholeWay (pushpath_test.go) takes the push from ward itself,
// through the suite's push service, and drives the click.
func TestServiceWorkerPush(t *testing.T) {
	skipWithoutBrowser(t)
	owner := demoLoginFor(t, "owner")
	adminAPI := apiLogin(t, owner.Email, owner.Password)
	pa, pb := newPerson(t, adminAPI, "Ana Pager", "clinician"), newPerson(t, adminAPI, "Ben Paged", "clinician")

	b := newTab(t, "B", true)
	sw := watchServiceWorker(t, b)
	b.signIn(pb.Email, pb.Password)
	b.waitJS(10*time.Second, "the service worker controls the page", `navigator.serviceWorker.controller !== null`)

	// The app shell is cached; no API answer is.
	cached := eval[[]string](b, `(async () => {
		const out = [];
		for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) out.push(k + " " + new URL(r.url).pathname);
		return out;
	})()`)
	if len(cached) == 0 {
		t.Fatal("the service worker cached nothing")
	}
	for _, c := range cached {
		if strings.Contains(c, "/api/") {
			t.Errorf("the service worker cached an API answer: %s", c)
		}
	}
	t.Logf("cached: %v", cached)

	// A real urgent message from A, and the push ward sends for it.
	aAPI := apiLogin(t, pa.Email, pa.Password)
	var conv struct{ ID string }
	aAPI.do("POST", "/api/v1/conversations", map[string]any{"kind": "direct", "members": []string{pb.ID}}, &conv, 201)
	const canary = "CANARY-e2e-push K+ 6.9"
	aAPI.do("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"client_id": "page-e2e", "body": canary, "priority": "urgent"}, nil, 201)
	payload, _ := json.Marshal(map[string]any{"kind": "urgent_message", "conversation_id": conv.ID, "count": 1})

	deliverPush(t, b, sw, payload)
	notes := waitNotifications(t, b)
	if len(notes) != 1 {
		t.Fatalf("notifications: %+v, want 1", notes)
	}
	n := notes[0]
	if n.Title != "Urgent message" || n.URL != "/c/"+conv.ID || strings.Contains(n.Title+n.Body, "CANARY") {
		t.Errorf("notification %+v, want \"Urgent message\" pointing at /c/%s and no PHI", n, conv.ID)
	}
	b.shot("push-notification-shown")

	// A wipe unregisters the worker and deletes its caches.
	devID := eval[string](b, `fetch('/api/v1/me', {headers: {Accept: 'application/json'}}).then(r => r.json()).then(m => m.device.id)`)
	adminAPI.do("POST", "/api/v1/admin/devices/"+devID+"/wipe", nil, nil, 200)
	b.waitJS(15*time.Second, "B's page becomes the wiped page", `!!document.querySelector('#wiped')`)
	// The wiped page shows first; the erasing goes on behind it.
	var left string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && left != "0 0"; time.Sleep(100 * time.Millisecond) {
		left = eval[string](b, `(async () => (await navigator.serviceWorker.getRegistrations()).length + " " + (await caches.keys()).length)()`)
	}
	if left != "0 0" {
		t.Errorf("after the wipe: %s service workers and caches, want 0 0", left)
	}
}

// swWatch follows a tab's service worker registrations through DevTools.
type swWatch struct {
	mu   sync.Mutex
	regs map[string]serviceworker.RegistrationID // scope URL -> id
}

// watchServiceWorker grants the tab's origin notifications (the user said
// yes) and follows its service worker registrations.
func watchServiceWorker(t *testing.T, b *tab) *swWatch {
	t.Helper()
	w := &swWatch{regs: map[string]serviceworker.RegistrationID{}}
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			w.mu.Lock()
			defer w.mu.Unlock()
			for _, r := range e.Registrations {
				if r.IsDeleted {
					delete(w.regs, r.ScopeURL)
				} else {
					w.regs[r.ScopeURL] = r.RegistrationID
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, serviceworker.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted,
		Origin: suite.base, BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID}); err != nil {
		t.Fatal(err)
	}
	return w
}

// deliverPush hands payload to the tab's service worker as its push
// service would (ServiceWorker.deliverPushMessage).
func deliverPush(t *testing.T, b *tab, w *swWatch, payload []byte) {
	t.Helper()
	w.mu.Lock()
	reg, ok := w.regs[suite.base+"/"]
	regs := fmt.Sprint(w.regs)
	w.mu.Unlock()
	if !ok {
		t.Fatalf("DevTools reported no service worker registration for %s/ (have %s)", suite.base, regs)
	}
	if _, err := chromedp.Call(b.ctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
		Origin: suite.base, RegistrationID: reg, Data: string(payload)}); err != nil {
		t.Fatal(err)
	}
}

// shownNote is a notification the service worker shows.
type shownNote struct{ Title, Body, URL, Tag string }

const notesJS = `(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map(n => ({Title: n.title, Body: n.body, URL: n.data && n.data.url, Tag: n.tag})))()`

// waitNotifications waits up to 20 s for the service worker to show a
// notification, and returns those it shows. (10 s was once too short: in a
// clean-clone CI run of session 23 Chromium showed neither this test's
// notification nor TestPushWholeWay's second within it, both in the same
// minute; they passed on the next run and locally.)
func waitNotifications(t *testing.T, b *tab) []shownNote {
	t.Helper()
	var notes []shownNote
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if notes = eval[[]shownNote](b, notesJS); len(notes) > 0 {
			break
		}
	}
	return notes
}
