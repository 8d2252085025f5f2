package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pngWithText is testPNG with a tEXt chunk holding canary after IHDR: the
// metadata the server must strip before sealing.
func pngWithText(t *testing.T, canary string) []byte {
	raw := testPNG(t)
	data := []byte("Comment\x00" + canary)
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, "tEXt"...)
	c = append(c, data...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	var b bytes.Buffer
	b.Write(raw[:33]) // signature and IHDR
	b.Write(c)
	b.Write(raw[33:])
	return b.Bytes()
}

// TestPatientPortalPhone: a patient signs in on a 375x667 phone: only their
// conversation, no New button and no staff screens, big touch targets, no
// sideways scrolling; they answer with a photo through the camera button
// (its metadata is gone from what is stored) and the app is installable.
func TestPatientPortalPhone(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	doc := newPerson(t, admin, "Dana Portal", "clinician")
	pat := newPerson(t, admin, "Pat Portal", "patient")
	docAPI := apiLogin(t, doc.Email, doc.Password)
	var conv struct {
		ID string `json:"id"`
	}
	docAPI.do("POST", "/api/v1/conversations", map[string]any{"kind": "direct", "members": []string{pat.ID}}, &conv, 201)
	docAPI.do("POST", "/api/v1/conversations/"+conv.ID+"/messages",
		map[string]any{"client_id": "portal-1", "body": "Please send a photo of the wound."}, nil, 201)

	p := newTab(t, "P", true)
	p.do(10*time.Second, "a 375x667 phone", chromedp.EmulateViewport(375, 667, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	p.signIn(pat.Email, pat.Password)
	p.waitJS(10*time.Second, "the patient's list holds their conversation only",
		fmt.Sprintf(`document.querySelectorAll('#conversations a.conv').length === 1 && !!document.querySelector('a.conv[href="/c/%s"]')`, conv.ID))
	for _, sel := range []string{"#new-conversation", "#nav-admin", "#nav-audit", "#nav-dashboard"} {
		if eval[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, sel)) {
			t.Errorf("the patient sees %s", sel)
		}
	}
	if title := p.text("a.conv .conv-title"); !strings.Contains(title, "Your care team") {
		t.Errorf("conversation title %q", title)
	}
	p.shot("portal-1-list-phone")

	p.click(fmt.Sprintf(`a.conv[href="/c/%s"]`, conv.ID))
	p.waitJS(10*time.Second, "the thread shows the care team's message",
		`[...document.querySelectorAll('.msg .body')].some(e => e.textContent === 'Please send a photo of the wound.')`)
	cam := eval[string](p, `(() => { const i = document.querySelector('#composer-camera-input');
		return i ? i.getAttribute('accept') + ' ' + i.getAttribute('capture') : '' })()`)
	if cam != "image/jpeg,image/png,image/webp environment" {
		t.Errorf("camera input: %q", cam)
	}
	if eval[bool](p, `!!document.querySelector('#composer-urgent')`) {
		t.Error("the patient has an Urgent toggle")
	}
	small := eval[string](p, `[...document.querySelectorAll('.composer button, .topbar nav a')]
		.filter(e => e.offsetParent && e.getBoundingClientRect().height < 44).map(e => e.id || e.textContent).join(', ')`)
	if small != "" {
		t.Errorf("touch targets under 44 px: %s", small)
	}
	if w := eval[float64](p, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the page scrolls sideways: %v px wide", w)
	}

	// The camera button's input gets a photo, as the phone camera would give it.
	const canary = "PORTAL-E2E-CANARY"
	photo := pngWithText(t, canary)
	eval[bool](p, fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'camera.png', {type: 'image/png'}));
		const input = document.querySelector('#composer-camera-input');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, base64.StdEncoding.EncodeToString(photo)))
	p.waitJS(10*time.Second, "the photo upload finishes",
		`!!document.querySelector('#uploads li[data-state=done] progress[value="100"]')`)
	p.shot("portal-2-photo-ready")
	p.send("Here it is.", false)
	p.waitJS(10*time.Second, "the photo is sent and previewed",
		`[...document.querySelectorAll('.msg.mine img.preview')].some(i => i.complete && i.naturalWidth === 48)`)
	// The byte count comes from JavaScript: the text crosses as UTF-8, where
	// a byte over 0x7f takes two.
	type download struct {
		N    int    `json:"n"`
		Text string `json:"text"`
	}
	stored := eval[download](p, `fetch(document.querySelector('.msg.mine .attachment a.att-download').href)
		.then(r => r.arrayBuffer()).then(b => ({n: b.byteLength, text: new TextDecoder('latin1').decode(b)}))`)
	if strings.Contains(stored.Text, canary) || strings.Contains(stored.Text, "tEXt") || stored.N >= len(photo) {
		t.Errorf("the stored photo keeps its metadata (%d bytes, sent %d)", stored.N, len(photo))
	}
	p.shot("portal-3-photo-sent")

	// Staff screens do not exist for a patient; the app is installable.
	p.do(10*time.Second, "open /admin/users", chromedp.Navigate(suite.base+"/admin/users"))
	p.waitJS(10*time.Second, "no admin screen", `document.querySelector('#main h1')?.textContent === 'Page not found'`)
	// Nor did the phone download their code: the staff chunk is fetched
	// only by a screen that needs it (web/src/ui/staff.ts).
	scripts := eval[[]string](p, `performance.getEntriesByType('resource').map(e => new URL(e.name).pathname).filter(n => n.endsWith('.js'))`)
	if len(scripts) == 0 {
		t.Error("no script fetched at all?")
	}
	for _, s := range scripts {
		if strings.Contains(s, "/assets/staff-") {
			t.Errorf("the patient's phone fetched the staff screens' code: %v", scripts)
		}
	}
	if eval[bool](p, `fetch(document.querySelector('script[type=module]').src).then(r => r.text()).then(t => t.includes('Add a person'))`) {
		t.Error("the bundle every role loads holds the admin console (its 'Add a person')")
	}
	manifest := eval[string](p, `fetch(document.querySelector('link[rel=manifest]').href).then(r => r.headers.get('content-type'))`)
	if manifest != "application/manifest+json" {
		t.Errorf("manifest content type %q", manifest)
	}
}
