package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestPushWholeWay (issue 23, shows 3): a push goes the whole way, as to a
// phone. B's browser is signed in and gives ward a push subscription at
// the suite's push service (pushservice_test.go); A sends B an urgent
// message with a canary body; ward's real push (VAPID-signed, RFC 8291
// encrypted) reaches the push service, which checks it and decrypts it
// with the key only the test holds; the payload holds no canary, and goes
// on to B's service worker, which shows "Urgent message". A click on the
// notification (the worker's own notificationclick handler) opens the
// conversation; when B was signed out first, ward asks B to sign in and
// then opens the conversation. After an admin wipes the device, ward
// deletes its subscription and pushes nothing to it any more.
//
// What headless Chromium cannot do, and what stands in for it:
//   - subscribe at a real push service (pushManager.subscribe needs the
//     browser's push service, FCM): the page posts a subscription whose
//     keys the test made, from its own session, as the app posts the one
//     the browser made; and the push service hands the decrypted payload to
//     the worker through DevTools (ServiceWorker.deliverPushMessage), as a
//     browser does after decrypting it.
//   - click a notification: the test dispatches a notificationclick event,
//     with the notification the worker shows, to the worker's global scope.
//     An event made by a script cannot extend its own life (waitUntil
//     throws for it), so the test takes the promise the handler gives
//     waitUntil and awaits it; and it has no user activation, so the
//     handler's focus() of the window (allowed only in a click the user
//     made) is refused after the window navigated.
func TestPushWholeWay(t *testing.T) {
	skipWithoutBrowser(t)
	owner := demoLoginFor(t, "owner")
	adminAPI := apiLogin(t, owner.Email, owner.Password)
	pa, pb := newPerson(t, adminAPI, "Avi Sender", "clinician"), newPerson(t, adminAPI, "Bea Woken", "clinician")
	var vapid struct{ Key string }
	adminAPI.do("GET", "/api/v1/push/vapid-key", nil, &vapid, 200)
	suite.push.expectVAPIDKey(vapid.Key)

	// 1. B signs in on a phone and gives ward a subscription.
	b := newTab(t, "B", true)
	sw := watchServiceWorker(t, b)
	b.signIn(pb.Email, pb.Password)
	b.waitJS(10*time.Second, "the service worker controls the page", `navigator.serviceWorker.controller !== null`)
	sub := suite.push.newSubscription(t)
	subscribeFromPage(t, b, sub)
	b.shot("pushpath-1-subscribed")

	// 2. A's urgent message reaches the push service, and the phone.
	aAPI := apiLogin(t, pa.Email, pa.Password)
	var conv struct{ ID string }
	aAPI.do("POST", "/api/v1/conversations", map[string]any{"kind": "direct", "members": []string{pb.ID}}, &conv, 201)
	const canary = "CANARY-pushpath K+ 7.1"
	mark := suite.push.mark()
	sent := time.Now()
	aAPI.do("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"client_id": "pushpath-1", "body": canary, "priority": "urgent"}, nil, 201)
	got := suite.push.wait(t, mark, sub, 10*time.Second)
	t.Logf("the push reached the push service %v after the send", time.Since(sent).Round(time.Millisecond))
	payload := checkUrgentPush(t, got, conv.ID, canary, pa, pb)
	deliverPush(t, b, sw, payload)
	notes := waitNotifications(t, b)
	if len(notes) != 1 || notes[0].Title != "Urgent message" || notes[0].URL != "/c/"+conv.ID || strings.Contains(fmt.Sprint(notes), "CANARY") {
		t.Fatalf("notifications %+v, want one \"Urgent message\" pointing at /c/%s and no PHI", notes, conv.ID)
	}
	b.shot("pushpath-2-notification-shown")

	// 3a. A click, signed in, on another screen: the conversation opens.
	b.click("#nav-account")
	b.waitJS(5*time.Second, "the account screen", `location.pathname === '/account'`)
	clickNotification(t, b)
	b.waitJS(10*time.Second, "the click opens the conversation", threadShowsJS(conv.ID, canary))
	if n := eval[[]shownNote](b, notesJS); len(n) != 0 {
		t.Errorf("after the click the worker still shows %+v", n)
	}
	b.shot("pushpath-3-click-opens-conversation")

	// 3b. Another urgent message; B is signed out before the tap: ward asks
	// B to sign in, then opens the conversation.
	mark = suite.push.mark()
	aAPI.do("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"client_id": "pushpath-2", "body": canary + " again", "priority": "urgent"}, nil, 201)
	deliverPush(t, b, sw, checkUrgentPush(t, suite.push.wait(t, mark, sub, 10*time.Second), conv.ID, canary, pa, pb))
	if notes := waitNotifications(t, b); len(notes) != 1 {
		t.Fatalf("notifications %+v, want 1", notes)
	}
	b.click("#nav-account")
	b.waitJS(5*time.Second, "the account screen", `location.pathname === '/account'`)
	b.click("#main #sign-out")
	b.waitJS(10*time.Second, "the sign-in screen", `!!document.querySelector('#signin-submit')`)
	clickNotification(t, b)
	b.waitJS(10*time.Second, "the click opens the conversation's address, signed out",
		fmt.Sprintf(`location.pathname === '/c/%s' && !!document.querySelector('#signin-submit') && document.readyState === 'complete'`, conv.ID))
	if strings.Contains(eval[string](b, `document.body.innerText`), "CANARY") {
		t.Error("the signed-out page shows the message")
	}
	b.shot("pushpath-4-click-signed-out-asks-to-sign-in")
	b.do(20*time.Second, "sign in where the click led",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), pb.Email),
		chromedp.SendKeys(chromedp.ID("password"), pb.Password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("live-status")),
	)
	b.waitJS(10*time.Second, "after sign-in, the conversation", threadShowsJS(conv.ID, canary+" again"))
	if w := eval[float64](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the clinician's phone page scrolls sideways: %v px wide", w)
	}
	b.shot("pushpath-5-signed-in-lands-on-conversation")

	// 4. The new session gives ward the subscription again (as the app
	// does after each sign-in); then an admin wipes the device.
	subscribeFromPage(t, b, sub)
	removed := pushRemoved(t)
	devID := eval[string](b, `fetch('/api/v1/me', {headers: {Accept: 'application/json'}}).then(r => r.json()).then(m => m.device.id)`)
	adminAPI.do("POST", "/api/v1/admin/devices/"+devID+"/wipe", nil, nil, 200)
	b.waitJS(15*time.Second, "B's page becomes the wiped page", `!!document.querySelector('#wiped')`)
	b.shot("pushpath-6-wiped")

	// The next urgent message: ward meets the wiped device's subscription,
	// deletes it, and sends it nothing.
	mark = suite.push.mark()
	aAPI.do("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"client_id": "pushpath-3", "body": canary + " after the wipe", "priority": "urgent"}, nil, 201)
	deadline := time.Now().Add(10 * time.Second)
	for pushRemoved(t) == removed {
		if time.Now().After(deadline) {
			t.Fatal("ward did not delete the wiped device's subscription within 10 s of the next urgent message")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // room for a push that should not come
	if ps := suite.push.since(mark, sub); len(ps) != 0 {
		t.Errorf("the wiped device got %d pushes after the wipe", len(ps))
	}
	// And gone means gone: another message finds nothing to delete.
	removed = pushRemoved(t)
	aAPI.do("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"client_id": "pushpath-4", "body": canary + " once more", "priority": "urgent"}, nil, 201)
	time.Sleep(2 * time.Second)
	if now := pushRemoved(t); now != removed {
		t.Errorf("ward deleted %v more subscriptions: the wiped device's was still there", now-removed)
	}
	if ps := suite.push.since(mark, sub); len(ps) != 0 {
		t.Errorf("the wiped device got %d pushes after the wipe", len(ps))
	}
}

// subscribeFromPage posts sub as the device's push subscription from the
// page's own session, as the app posts PushSubscription.toJSON().
func subscribeFromPage(t *testing.T, b *tab, sub *pushSub) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"endpoint": sub.Endpoint, "keys": map[string]string{"p256dh": sub.P256DH, "auth": sub.Auth}})
	status := eval[int](b, fmt.Sprintf(`fetch('/api/v1/devices/current/push', {method: 'POST',
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': localStorage.getItem('ward.csrf')}, body: %q}).then(r => r.status)`, body))
	if status != 201 {
		t.Fatalf("POST /api/v1/devices/current/push from the page: %d, want 201", status)
	}
}

// checkUrgentPush checks what the push service received for an urgent
// message to conversation conv: a valid request (VAPID, encryption),
// urgent, and a payload of kind, conversation id and count only, with
// neither the message nor a name in it. It returns the decrypted payload.
func checkUrgentPush(t *testing.T, got pushMsg, conv, canary string, people ...person) []byte {
	t.Helper()
	if got.Err != nil {
		t.Fatalf("ward's push was not valid: %v", got.Err)
	}
	if got.Urgency != "high" || got.TTL <= 0 {
		t.Errorf("push Urgency %q, TTL %d; want high and a TTL", got.Urgency, got.TTL)
	}
	var p map[string]any
	if err := json.Unmarshal(got.Payload, &p); err != nil {
		t.Fatalf("payload %q: %v", got.Payload, err)
	}
	if len(p) != 3 || p["kind"] != "urgent_message" || p["conversation_id"] != conv || p["count"] != 1.0 {
		t.Errorf("payload %s, want {kind: urgent_message, conversation_id: %s, count: 1}", got.Payload, conv)
	}
	for _, phi := range append([]string{canary, "CANARY"}, names(people)...) {
		if strings.Contains(string(got.Payload), phi) {
			t.Errorf("the payload %s holds %q", got.Payload, phi)
		}
	}
	return got.Payload
}

func names(people []person) []string {
	var out []string
	for _, p := range people {
		out = append(out, p.Name, p.Email)
	}
	return out
}

// threadShowsJS is true when the page shows conversation conv with a
// message whose body is body.
func threadShowsJS(conv, body string) string {
	return fmt.Sprintf(`location.pathname === '/c/%s' && !!document.querySelector('#thread-title') &&
		[...document.querySelectorAll('#messages .msg .body')].some(e => e.textContent === %q)`, conv, body)
}

// clickNotification runs the service worker's notificationclick handler
// for the one notification it shows, in the worker (see TestPushWholeWay
// for what stands in for the user's tap), and fails t unless the handler
// did its part.
func clickNotification(t *testing.T, b *tab) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	var id target.ID
	for id == "" {
		ts, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("the service worker's target: %v", err)
		}
		for _, ti := range ts {
			if ti.Type == "service_worker" && ti.URL == suite.base+"/sw.js" && ti.BrowserContextID == chromedp.FromContext(b.ctx).BrowserContextID {
				id = ti.TargetID
			}
		}
		if id == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Detach on cancel: closing the target would stop the worker.
	worker, cancelWorker := chromedp.NewContext(ctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	defer cancelWorker()
	res, err := chromedp.Run(worker, chromedp.Evaluate[string](`(async () => {
		const shown = await self.registration.getNotifications();
		if (shown.length !== 1) return "the worker shows " + shown.length + " notifications";
		const ev = new NotificationEvent("notificationclick", {notification: shown[0]});
		let work = null;
		Object.defineProperty(ev, "waitUntil", {value: (p) => { work = p; }});
		self.dispatchEvent(ev);
		if (!work) return "the handler gave waitUntil nothing";
		try {
			await work;
			return "ok";
		} catch (e) {
			return e.name + ": " + e.message;
		}
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the click in the service worker: %v", err)
	}
	// The window navigates first; focusing it needs the user's own click.
	// Chromium names the refusal InvalidAccessError ("Not allowed to focus a
	// window."); any other failure is the handler's.
	if res != "ok" && !strings.HasPrefix(res, "InvalidAccessError") && !strings.Contains(res, "Not allowed to focus a window") {
		t.Fatalf("the notificationclick handler: %s", res)
	}
	t.Logf("the notificationclick handler: %s", res)
}

// pushRemoved is ward's count of push subscriptions it deleted
// (ward_push_subscriptions_removed_total).
func pushRemoved(t *testing.T) float64 {
	t.Helper()
	res, err := suite.httpClient.Get(suite.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "ward_push_subscriptions_removed_total "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no ward_push_subscriptions_removed_total in /metrics")
	return 0
}
