package e2e

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// The "Shows", one test each. Every test saves screenshots under
// e2e/artifacts/.

func skipWithoutBrowser(t *testing.T) {
	t.Helper()
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
}

// startDirect has a start a direct conversation with b from the directory
// and returns its path.
func (a *tab) startDirect(b person) string {
	a.t.Helper()
	a.click("#new-conversation")
	a.typeInto("#directory-search", b.Name)
	a.waitJS(5*time.Second, "the directory finds "+b.Name,
		fmt.Sprintf(`document.querySelectorAll('#directory input[value=%q]').length === 1 && document.querySelectorAll('#directory li').length === 1`, b.ID))
	a.click(fmt.Sprintf(`#directory input[value=%q]`, b.ID))
	a.click("#start-conversation")
	a.waitJS(10*time.Second, "the thread opens", `location.pathname.startsWith('/c/') && !!document.querySelector('#composer-body')`)
	return eval[string](a, `location.pathname`)
}

// send types a message into the composer and sends it.
func (a *tab) send(body string, urgent bool) {
	a.t.Helper()
	if urgent {
		a.click("#composer-urgent")
	}
	a.typeInto("#composer-body", body)
	a.click("#composer-send")
}

// myStatus is the receipt state A's page shows for A's message with body.
func myStatusJS(body, state string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('.msg.mine')].some(m =>
		m.querySelector('.body')?.textContent === %q && m.querySelector('.status')?.dataset.state === %q)`, body, state)
}

// Show 1: two clinicians in two browser contexts: A sends, B sees it live
// within a second, B reads, A sees "read".
func TestLiveMessageAndReadReceipt(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	pa := newPerson(t, admin, "Avery Live", "clinician")
	pb := newPerson(t, admin, "Blake Live", "clinician")

	a := newTab(t, "A", false)
	b := newTab(t, "B", true) // B is on a phone
	a.signIn(pa.Email, pa.Password)
	b.signIn(pb.Email, pb.Password)

	path := a.startDirect(pb)
	a.send("Hello Blake, are you on the ward?", false)
	a.waitJS(5*time.Second, "A's first message is sent", myStatusJS("Hello Blake, are you on the ward?", "sent")+
		` || `+myStatusJS("Hello Blake, are you on the ward?", "delivered"))

	// B's list shows the new conversation with one unread message, live.
	b.waitJS(5*time.Second, "B's list shows the conversation, unread",
		fmt.Sprintf(`!!document.querySelector('a.conv.unread[href=%q] .count')`, path))
	b.shot("1-b-list-unread-phone")
	b.click(fmt.Sprintf(`a.conv[href=%q]`, path))
	b.waitJS(5*time.Second, "B's thread shows the message",
		`[...document.querySelectorAll('.msg .body')].some(e => e.textContent === 'Hello Blake, are you on the ward?')`)

	// A sees delivered then read for the first message.
	a.waitJS(5*time.Second, "A sees read", myStatusJS("Hello Blake, are you on the ward?", "read"))

	// Now the timing: B watches its open thread; A sends; B must show it
	// within a second.
	const second = "Bed 9 needs a review before noon."
	eval[bool](b, fmt.Sprintf(`(() => {
		window.__seen = 0;
		const want = %q;
		const check = () => { if (!window.__seen && [...document.querySelectorAll('.msg .body')].some(e => e.textContent === want)) window.__seen = Date.now(); };
		new MutationObserver(check).observe(document.body, {childList: true, subtree: true, characterData: true});
		return true;
	})()`, second))
	sentAt := time.Now()
	a.send(second, false)
	b.waitJS(5*time.Second, "B sees the second message live", `window.__seen > 0`)
	seen := eval[float64](b, `window.__seen`)
	latency := time.UnixMilli(int64(seen)).Sub(sentAt)
	t.Logf("A's click on Send to the message on B's screen: %v", latency)
	if latency > time.Second {
		t.Errorf("B saw the message %v after A sent it; want within a second", latency)
	}
	// B is looking at the thread, so it is read; A sees it.
	a.waitJS(5*time.Second, "A sees the second message read", myStatusJS(second, "read"))
	if got := a.text(`.msg.mine:last-of-type .status`); !strings.Contains(got, "Read") {
		t.Errorf("A's status for the last message: %q", got)
	}
	a.shot("1-a-sees-read")
	b.shot("1-b-thread-phone")

	// The browser sent both messages over its open socket, not as POSTs,
	// and marked them delivered and read over it too.
	if n := wsAnswered(t, "WS send", "201"); n < 2 {
		t.Errorf("%v sends answered 201 over the socket, want the browser's 2 at least", n)
	}
	if n := wsAnswered(t, "WS mark", "200"); n < 2 {
		t.Errorf("%v marks answered over the socket, want B's delivered and read marks at least", n)
	}
}

// wsAnswered reads from /metrics how many frames of a route (WS send, WS
// mark) over WebSockets were answered with status.
func wsAnswered(t *testing.T, route, status string) float64 {
	t.Helper()
	res, err := suite.httpClient.Get(suite.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "ward_http_requests_total{") && strings.Contains(line, `route="`+route+`"`) && strings.Contains(line, `status="`+status+`"`) {
			var n float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &n)
			return n
		}
	}
	return 0
}

// Show 2: an urgent message shows as urgent; B acknowledges; A sees
// "acknowledged".
func TestUrgentAcknowledged(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	pa := newPerson(t, admin, "Avery Urgent", "clinician")
	pb := newPerson(t, admin, "Blake Urgent", "clinician")
	a := newTab(t, "A", false)
	b := newTab(t, "B", false)
	a.signIn(pa.Email, pa.Password)
	b.signIn(pb.Email, pb.Password)

	path := a.startDirect(pb)
	const body = "URGENT: bed 4 BP 80/50, please come now."
	a.send(body, true)
	a.waitJS(5*time.Second, "A's urgent message is marked urgent", `!!document.querySelector('.msg.mine.urgent .urgent-badge')`)

	b.waitJS(5*time.Second, "B's list marks the conversation urgent",
		fmt.Sprintf(`!!document.querySelector('a.conv.urgent[href=%q] .urgent-badge')`, path))
	b.shot("2-b-list-urgent")
	b.click(fmt.Sprintf(`a.conv[href=%q]`, path))
	b.waitJS(5*time.Second, "B sees the urgent message with an Acknowledge button",
		`!!document.querySelector('.msg.urgent:not(.mine) button.ack')`)
	b.click(`.msg.urgent:not(.mine) button.ack`)
	b.waitJS(5*time.Second, "B's page shows the acknowledgement", `!!document.querySelector('.msg.urgent:not(.mine) .status-acknowledged')`)
	b.waitJS(5*time.Second, "B's list no longer marks it urgent",
		fmt.Sprintf(`!document.querySelector('a.conv.urgent[href=%q]')`, path))

	a.waitJS(5*time.Second, "A sees acknowledged", myStatusJS(body, "acknowledged"))
	a.shot("2-a-sees-acknowledged")
	b.shot("2-b-acknowledged")
}

// Show 3: an admin wipes B's device from the console: B's page turns into
// the wiped page, B's storage is empty, and the admin sees the wipe
// confirmed.
func TestAdminWipesDevice(t *testing.T) {
	skipWithoutBrowser(t)
	owner := demoLoginFor(t, "owner")
	adminAPI := apiLogin(t, owner.Email, owner.Password)
	pb := newPerson(t, adminAPI, "Blake Wiped", "clinician")

	b := newTab(t, "B", false)
	b.signIn(pb.Email, pb.Password)
	// Give B's browser something in every kind of storage a wipe must clear.
	ok := eval[bool](b, `(async () => {
		sessionStorage.setItem('draft', 'a draft about bed 3');
		localStorage.setItem('extra', 'x');
		await new Promise((res, rej) => { const r = indexedDB.open('ward-cache', 1);
			r.onupgradeneeded = () => r.result.createObjectStore('m');
			r.onsuccess = () => { r.result.close(); res(); }; r.onerror = rej; });
		const c = await caches.open('ward-assets'); await c.put('/x', new Response('cached'));
		// (ward-device, the device secret's database, is there too: the wipe must delete both.)
		return localStorage.length >= 3 && (await indexedDB.databases()).some((d) => d.name === 'ward-cache') && (await caches.keys()).includes('ward-assets'); // beside the service worker's ward-shell-v1
	})()`)
	if !ok {
		t.Fatal("could not put data into B's storage")
	}

	adm := newTab(t, "admin", false)
	adm.signIn(owner.Email, owner.Password)
	adm.click("#tab-devices")
	row := fmt.Sprintf(`#devices tr[data-user=%q]`, pb.Email)
	adm.waitJS(10*time.Second, "the console lists B's device", fmt.Sprintf(`!!document.querySelector('%s button.wipe')`, row))
	adm.click(row + " button.wipe")
	adm.click(row + " button.confirm-yes")

	b.waitJS(10*time.Second, "B's page becomes the wiped page", `!!document.querySelector('#wiped') && !document.querySelector('#live-status')`)
	// The page shows at once; it says nothing is left once the wipe is done.
	b.waitJS(10*time.Second, "B's wipe is done", `document.querySelector('#wiped').dataset.status === 'erased'`)
	if got := b.text("#wiped h1"); got != "This device was wiped" {
		t.Errorf("wiped page heading %q", got)
	}
	type storage struct {
		Local, Session, DBs, Caches int
		Text                        string
	}
	left := eval[storage](b, `(async () => ({Local: localStorage.length, Session: sessionStorage.length,
		DBs: (await indexedDB.databases()).length, Caches: (await caches.keys()).length,
		Text: document.body.innerText}))()`)
	if left.Local != 0 || left.Session != 0 || left.DBs != 0 || left.Caches != 0 {
		t.Errorf("B's storage after the wipe: %+v", left)
	}
	if strings.Contains(left.Text, pb.Name) || strings.Contains(left.Text, pb.Email) {
		t.Errorf("the wiped page still shows who B was: %q", left.Text)
	}
	b.shot("3-b-wiped")

	adm.waitJS(10*time.Second, "the admin sees the wipe confirmed", fmt.Sprintf(`!!document.querySelector('%s [data-wipe=confirmed]')`, row))
	adm.shot("3-admin-wipe-confirmed")
}

// Show 4: idle logoff: with a short policy timeout, the warning appears and
// the user is signed out.
func TestIdleLogoff(t *testing.T) {
	skipWithoutBrowser(t)
	t.Parallel() // mostly waiting; its org is its own
	owner := apiLogin(t, suite.idleAdmin, suite.idlePW)
	var pol map[string]any
	owner.do("GET", "/api/v1/policy", nil, &pol, 200)
	pol["idle_timeout"] = 30 // the shortest the policy allows
	owner.do("PUT", "/api/v1/policy", pol, &pol, 200)

	u := newTab(t, "idle", false)
	start := time.Now()
	u.signIn(suite.idleAdmin, suite.idlePW)
	u.waitJS(30*time.Second, "the idle warning shows", `!!document.querySelector('#idle-warning')`)
	warnedAfter := time.Since(start)
	w := u.text("#idle-text")
	var left int
	if _, err := fmt.Sscanf(w[strings.Index(w, "signed out in ")+len("signed out in "):], "%d seconds", &left); err != nil || left < 5 || left > 11 {
		t.Errorf("the warning says %q; want about 10 seconds left", w)
	}
	u.shot("4-idle-warning")
	u.waitJS(20*time.Second, "the user is signed out", `!!document.querySelector('#signin-notice') && !document.querySelector('#live-status')`)
	outAfter := time.Since(start)
	notice := u.text("#signin-notice")
	t.Logf("warned after %v, signed out after %v: %q", warnedAfter.Round(time.Second), outAfter.Round(time.Second), notice)
	if !strings.Contains(notice, "signed out after 30 seconds without activity") {
		t.Errorf("sign-in notice %q", notice)
	}
	if warnedAfter < 15*time.Second || outAfter > 40*time.Second {
		t.Errorf("warned after %v and signed out after %v; want the warning about 10 s before the 30 s timeout", warnedAfter, outAfter)
	}
	// The session is gone on the server too: the page's cookie no longer works.
	status := eval[int](u, `fetch('/api/v1/me').then(r => r.status)`)
	if status != 401 {
		t.Errorf("GET /api/v1/me after the idle sign-out: %d, want 401", status)
	}
	u.shot("4-idle-signed-out")
}

// Show 5: the demo: 'ward demo' (what make run does on a fresh data dir)
// prints a URL and logins that work.
func TestDemoLogins(t *testing.T) {
	skipWithoutBrowser(t)
	_, port, _ := strings.Cut(strings.TrimPrefix(suite.base, "https://"), ":")
	if !strings.Contains(suite.demoOut, "https://127.0.0.1:"+port+"/") {
		t.Errorf("ward demo did not print the URL %s:\n%s", suite.base, suite.demoOut)
	}
	roles := map[string]bool{}
	for _, l := range suite.logins {
		roles[l.Role] = true
	}
	for _, r := range []string{"owner", "clinician", "compliance"} {
		if !roles[r] {
			t.Errorf("no %s among the demo logins", r)
		}
	}
	// Every login works; the clinician with the urgent message sees it.
	for _, l := range suite.logins {
		apiLogin(t, l.Email, l.Password)
	}
	sam := suite.logins[0]
	for _, l := range suite.logins {
		if strings.HasPrefix(l.Email, "sam.") {
			sam = l
		}
	}
	s := newTab(t, "demo-clinician", false)
	s.signIn(sam.Email, sam.Password)
	s.waitJS(5*time.Second, "the demo has conversations, one urgent", `document.querySelectorAll('#conversations li').length >= 2 && !!document.querySelector('a.conv.urgent')`)
	s.click("a.conv.urgent")
	s.waitJS(5*time.Second, "the urgent thread has history", `document.querySelectorAll('.msg').length >= 3 && !!document.querySelector('.msg.urgent button.ack')`)
	s.shot("5-demo-clinician")

	owner := demoLoginFor(t, "owner")
	adm := newTab(t, "demo-admin", false)
	adm.signIn(owner.Email, owner.Password)
	adm.waitJS(5*time.Second, "the owner lands in the console, with no conversation list (admins cannot read messages)",
		`document.querySelectorAll('#users tbody tr').length >= 6 && !document.querySelector('.sidebar')`)
	// The owner changes the front desk's email (she married), and back.
	for _, email := range []string{"riley.brooks@demo-clinic.example", "riley.chen@demo-clinic.example"} {
		eval[bool](adm, `(() => { [...document.querySelectorAll('#users tbody tr')].find(r => r.textContent.includes('Riley Chen')).querySelector('button[id^=edit-]').click(); return true })()`)
		adm.waitJS(5*time.Second, "Riley's row opens for editing", `!!document.querySelector('#users input[type=email]')`)
		eval[bool](adm, `(() => { const i = document.querySelector('#users input[type=email]'); i.value = ''; i.dispatchEvent(new Event('input', {bubbles: true})); return true })()`)
		adm.typeInto(`#users input[type=email]`, email)
		adm.click(`#users form button[type=submit]`)
		adm.waitJS(5*time.Second, "the table shows "+email, `[...document.querySelectorAll('#users tbody td')].some(td => td.textContent === '`+email+`')`)
		if email == "riley.brooks@demo-clinic.example" {
			adm.shot("5-demo-admin-email-changed")
			apiLogin(t, email, demoLoginFor(t, "owner").Password) // every demo login shares the password
		}
	}
	adm.click("#tab-policy")
	adm.waitJS(5*time.Second, "the policy form shows MFA off", `!!document.querySelector('#policy') && !document.querySelector('#policy input[type=checkbox]').checked`)
	adm.shot("5-demo-admin-policy")
}

// TestDeviceStaysAfterEmailChange: an admin changes a clinician's email (a
// hospital's new domain). Her browser keeps the device secret under the
// old email; signing in with the new one, it sends that secret among
// device.other_secrets, and she is on the same device, not a new one that
// an org with device approval would make wait.
func TestDeviceStaysAfterEmailChange(t *testing.T) {
	skipWithoutBrowser(t)
	owner := demoLoginFor(t, "owner")
	adminAPI := apiLogin(t, owner.Email, owner.Password)
	p := newPerson(t, adminAPI, "Nell Renamed", "clinician")
	devicesOf := func() []string {
		t.Helper()
		var out struct {
			Devices []struct {
				ID     string `json:"id"`
				UserID string `json:"user_id"`
			} `json:"devices"`
		}
		adminAPI.do("GET", "/api/v1/admin/devices", nil, &out, 200)
		var ids []string
		for _, d := range out.Devices {
			if d.UserID == p.ID {
				ids = append(ids, d.ID)
			}
		}
		return ids
	}

	b := newTab(t, "renamed", false)
	b.signIn(p.Email, p.Password)
	before := devicesOf()
	if len(before) != 1 {
		t.Fatalf("after the first sign-in: %d devices, want 1", len(before))
	}
	b.click("#nav-account")
	b.click("#sign-out")
	b.waitJS(10*time.Second, "signed out", `!!document.querySelector('#email')`)

	newEmail := strings.Replace(p.Email, "@demo-clinic.example", "@new-domain.example", 1)
	adminAPI.do("PATCH", "/api/v1/users/"+p.ID, map[string]any{"email": newEmail}, nil, 200)
	b.signIn(newEmail, p.Password)
	if after := devicesOf(); len(after) != 1 || after[0] != before[0] {
		t.Errorf("after signing in with the new email: devices %v, want the one from before, %v", after, before)
	}
	// The secret is now kept under the new email as well.
	kept := eval[int](b, `(async () => { const db = await new Promise((res, rej) => { const r = indexedDB.open('ward-device', 1);
		r.onsuccess = () => res(r.result); r.onerror = rej; });
		const keys = await new Promise((res) => { const q = db.transaction('secrets').objectStore('secrets').getAllKeys(); q.onsuccess = () => res(q.result); });
		db.close(); return keys.filter((k) => k.includes('|`+newEmail+`|')).length; })()`)
	if kept != 1 {
		t.Errorf("%d secrets kept under the new email, want 1", kept)
	}
}
