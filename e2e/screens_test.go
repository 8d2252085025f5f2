package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The screens that came after the first five Shows: attachments, and the
// compliance officer's audit viewer and the admins' dashboard.

// testPNG is a small generated image (a red cross on white).
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			c := color.RGBA{255, 255, 255, 255}
			if (x >= 20 && x < 28) || (y >= 12 && y < 20) {
				c = color.RGBA{200, 20, 30, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// attachFile puts a file into the composer's file input, as choosing it in
// the file picker would.
func (tb *tab) attachFile(name, mime string, content []byte) {
	tb.t.Helper()
	eval[bool](tb, fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], %q, {type: %q}));
		const input = document.querySelector('#composer-file');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, base64.StdEncoding.EncodeToString(content), name, mime))
}

// A uploads a PNG (with a progress bar) and sends it with a message; a file
// type ward refuses gets a plain explanation; B sees the image preview and
// a download link.
func TestAttachmentImagePreview(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	pa := newPerson(t, admin, "Avery Attach", "clinician")
	pb := newPerson(t, admin, "Blake Attach", "clinician")
	a := newTab(t, "A", false)
	b := newTab(t, "B", false)
	a.signIn(pa.Email, pa.Password)
	b.signIn(pb.Email, pb.Password)
	path := a.startDirect(pb)

	// A refused type: the upload says why, and nothing is sent.
	a.attachFile("run.exe", "application/octet-stream", []byte("MZ\x90\x00 not a picture"))
	a.waitJS(10*time.Second, "the refused upload explains itself",
		`[...document.querySelectorAll('#uploads li[data-state=failed] .error')].some(e => e.textContent.includes('accepts images'))`)
	a.shot("6-a-upload-refused")
	a.click(`#uploads li[data-state=failed] button`)

	pngBytes := testPNG(t)
	a.attachFile("wound-photo.png", "image/png", pngBytes)
	a.waitJS(10*time.Second, "the upload finishes",
		`!!document.querySelector('#uploads li[data-state=done] progress[value="100"]')`)
	a.shot("6-a-upload-ready")
	const body = "Wound photo from this morning, bed 12."
	a.send(body, false)
	a.waitJS(10*time.Second, "A's message shows its attachment",
		`[...document.querySelectorAll('.msg.mine')].some(m => m.querySelector('.body')?.textContent === `+fmt.Sprintf("%q", body)+
			` && m.querySelector('.attachment .att-name')?.textContent === 'wound-photo.png' && m.querySelector('.status')?.dataset.state !== 'sending')`)

	// B sees it live: the preview loads (the image decoded), with its name,
	// type, size and a download link without ?inline.
	b.click(fmt.Sprintf(`a.conv[href=%q]`, path))
	b.waitJS(10*time.Second, "B sees the image preview",
		`[...document.querySelectorAll('.msg img.preview')].some(i => i.complete && i.naturalWidth === 48 && i.naturalHeight === 32)`)
	meta := b.text(`.msg .attachment .att-meta`)
	if !strings.Contains(meta, "wound-photo.png") || !strings.Contains(meta, "PNG image") || !strings.Contains(meta, fmt.Sprintf("%d B", len(pngBytes))) {
		t.Errorf("B's attachment line: %q", meta)
	}
	href := eval[string](b, `document.querySelector('.msg .attachment a.att-download').getAttribute('href')`)
	if !strings.HasPrefix(href, "/api/v1/attachments/") || strings.Contains(href, "inline") {
		t.Errorf("download link %q", href)
	}
	// The download link answers the same bytes, as an attachment.
	got := eval[string](b, `fetch(document.querySelector('.msg .attachment a.att-download').href).then(async r =>
		r.headers.get('content-disposition').split(';')[0] + ' ' + (await r.arrayBuffer()).byteLength)`)
	if want := fmt.Sprintf("attachment %d", len(pngBytes)); got != want {
		t.Errorf("download: %q, want %q", got, want)
	}
	b.shot("6-b-image-preview")
}

// A clinician adds a passkey in the account screen (a virtual authenticator
// from Chromium's DevTools WebAuthn domain stands in for the fingerprint
// reader), signs out, and signs in with password and passkey. Passkeys are
// bound to ward's relying party id, "localhost" without --public-url, so
// this tab browses https://localhost:PORT.
func TestPasskeyEnrolAndSignIn(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	p := newPerson(t, admin, "Parker Passkey", "clinician")
	a := newTab(t, "A", false)
	a.addAuthenticator()
	base := strings.Replace(suite.base, "127.0.0.1", "localhost", 1)
	a.do(20*time.Second, "sign in with a password",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), p.Email),
		chromedp.SendKeys(chromedp.ID("password"), p.Password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("live-status")),
	)
	a.click("#nav-account")
	a.waitJS(10*time.Second, "no passkeys yet", `!!document.querySelector('#passkeys-none')`)
	a.typeInto("#new-passkey-name", " (test)")
	a.click("#add-passkey")
	a.waitJS(15*time.Second, "the passkey is added", `!!document.querySelector('#passkey-added') && document.querySelectorAll('#passkeys li').length === 1`)
	if got := a.text("#passkeys li strong"); !strings.HasSuffix(got, "(test)") {
		t.Errorf("passkey name %q", got)
	}
	a.waitJS(5*time.Second, "recovery codes (the first second factor)", `document.querySelectorAll('.codes li').length === 10`)
	a.shot("7-passkey-added")

	// Sign out; the password alone no longer signs in: the passkey does.
	a.click("#sign-out")
	a.do(20*time.Second, "sign in with password and passkey",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), p.Email),
		chromedp.SendKeys(chromedp.ID("password"), p.Password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("passkey-hint")),
	)
	a.waitJS(5*time.Second, "the passkey step offers the other ways",
		`!!document.querySelector('#mfa-use-recovery') && !document.querySelector('#mfa-use-totp')`)
	a.shot("7-passkey-step")
	a.click("#signin-submit")
	a.waitJS(15*time.Second, "signed in with the passkey", `document.querySelector('#live-status.live-open') !== null`)
}

// The demo clinic's compliance officer lands on the audit viewer, filters
// by action login.succeeded and sees those rows (her own sign-in among
// them), pages older, and has export links for what the filters select; the
// demo owner opens the dashboard in the console and sees both charts and
// the tiles.
func TestAuditViewerAndDashboard(t *testing.T) {
	skipWithoutBrowser(t)
	co := demoLoginFor(t, "compliance")
	c := newTab(t, "compliance", false)
	c.signIn(co.Email, co.Password)
	c.waitJS(10*time.Second, "the audit viewer is the compliance officer's home",
		`location.pathname === '/' && !!document.querySelector('#audit-filters') && document.querySelectorAll('#audit-table tbody tr').length > 0`)
	eval[bool](c, `(() => {
		const s = document.querySelector('#audit-action');
		s.value = 'login.succeeded';
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`)
	c.click("#audit-search")
	c.waitJS(10*time.Second, "only login.succeeded rows",
		`(() => { const rows = [...document.querySelectorAll('#audit-table tbody tr')];
			return rows.length > 0 && rows.every(r => r.dataset.action === 'login.succeeded'); })()`)
	if got := c.text("#audit-table tbody tr:first-child"); !strings.Contains(got, "compliance") {
		t.Errorf("the newest login.succeeded row should be the compliance officer's own sign-in: %q", got)
	}
	href := eval[string](c, `document.querySelector('#audit-export-csv').getAttribute('href')`)
	if !strings.HasPrefix(href, "/api/v1/audit/export?action=login.succeeded&from=") || !strings.HasSuffix(href, "&format=csv") {
		t.Errorf("CSV export link %q", href)
	}
	csv := eval[string](c, `fetch(document.querySelector('#audit-export-csv').href).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`)
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) < 2 || !strings.Contains(csv, "login.succeeded") || strings.Contains(csv, "message.sent") {
		t.Errorf("CSV export of login.succeeded: %.300q", csv)
	}
	c.shot("8-compliance-audit-viewer")

	ow := demoLoginFor(t, "owner")
	o := newTab(t, "owner", false)
	o.signIn(ow.Email, ow.Password)
	o.click("#tab-dashboard")
	o.waitJS(10*time.Second, "two charts of 30 days and the tiles",
		`document.querySelectorAll('#chart-messages rect.bar').length === 30 &&
		 document.querySelectorAll('#chart-failed-logins rect.bar').length === 30 &&
		 !!document.querySelector('#tile-active-devices .tile-value') &&
		 document.querySelectorAll('#tile-users .breakdown dt').length > 0`)
	if n := eval[float64](o, `[...document.querySelectorAll('#chart-messages rect.bar')].reduce((n, r) => n + Number(r.dataset.count), 0)`); n < 1 {
		t.Errorf("the demo clinic's messages chart counts %v messages", n)
	}
	if n := eval[float64](o, `Number(document.querySelector('#tile-active-devices .tile-value').textContent)`); n < 2 {
		t.Errorf("active devices tile %v; want the signed-in browsers", n)
	}
	o.shot("8-admin-dashboard")
}
