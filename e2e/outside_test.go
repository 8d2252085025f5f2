package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOutsideMessage (issue 22): a nurse writes to an email address with
// no ward account through the UI; the mail holds only the clinic's name
// and a link; the recipient opens it on a phone, gets the code by mail,
// opens the thread, reads; the nurse attaches a file in the thread (a new
// link goes out) and the recipient downloads it; the recipient replies and
// the nurse sees "replied" and the reply live. One screenshot per step.
func TestOutsideMessage(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	nurse := newPerson(t, admin, "Olive Outside", "staff")
	const clinic = "Demo Clinic" // internal/demo's OrgName
	seq := time.Now().UnixNano() % 1e9
	to := fmt.Sprintf("dr.referrer.%d@practice.example", seq)
	const first = "Referral for your patient: please see the discharge summary."
	const fileText = "Discharge summary: stable, follow up in 2 weeks."
	const reply = "Thank you, received. I will see her on Monday."
	shot := func(tb *tab, n int, name string) { tb.shot(fmt.Sprintf("outside-%02d-%s", n, name)) }

	// 1. The nurse opens "Outside address" from the conversation list and
	// writes.
	n := newTab(t, "nurse", false)
	n.signIn(nurse.Email, nurse.Password)
	n.click("#write-outside-link")
	n.waitJS(10*time.Second, "the form", `!!document.querySelector('#write-outside #outside-email')`)
	n.typeInto("#outside-email", to)
	n.typeInto("#outside-body", first)
	shot(n, 1, "nurse-writes")
	mark := suite.mail.mark()
	n.click("#outside-send")
	n.waitJS(10*time.Second, "the thread opens with its status: sent", fmt.Sprintf(
		`location.pathname.startsWith('/c/') && document.querySelector('#thread-title')?.textContent === %q &&
		document.querySelector('#outside-status')?.dataset.status === 'sent' &&
		[...document.querySelectorAll('.msg.mine .body')].some(e => e.textContent === %q)`, to, first))
	if s := n.text("#outside-status"); !strings.Contains(s, "link works until") {
		t.Errorf("status line %q", s)
	}
	thread := eval[string](n, `location.pathname`)
	shot(n, 2, "nurse-thread-sent")

	// 2. The mail: the clinic and a link, nothing of the message or the
	// sender.
	m := suite.mail.wait(t, mark, to, "secure message", 15*time.Second)
	if m.Subject != clinic+": you have a secure message" || !strings.Contains(m.Body, clinic) {
		t.Errorf("mail %q:\n%s", m.Subject, m.Body)
	}
	for _, leak := range []string{"Referral", "discharge", nurse.Name, "Olive"} {
		if strings.Contains(m.Subject+m.Body, leak) {
			t.Errorf("the mail holds %q:\n%s", leak, m.Body)
		}
	}
	link := regexp.MustCompile(`https://\S+/outside/[A-Za-z0-9_-]+`).FindString(m.Body)
	if !strings.HasPrefix(link, suite.base+"/outside/") {
		t.Fatalf("no link in the mail:\n%s", m.Body)
	}

	// 3. The recipient opens the link on a phone: the clinic and the expiry.
	g := newTab(t, "guest", true)
	g.do(10*time.Second, "open the link", chromedp.Navigate(link))
	g.waitJS(10*time.Second, "the link page names the clinic", fmt.Sprintf(
		`document.querySelector('#outside-link-title')?.textContent === %q && (document.querySelector('#outside-expiry')?.textContent ?? '').includes('until')`,
		clinic+" sent you a secure message"))
	shot(g, 3, "guest-link-phone")

	// 4. A code by mail, typed in.
	mark = suite.mail.mark()
	g.click("#outside-send-code")
	g.waitJS(10*time.Second, "the code is sent", `!!document.querySelector('#outside-code-sent')`)
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(suite.mail.wait(t, mark, to, "your code", 15*time.Second).Body)
	if code == "" {
		t.Fatal("no six-digit code in the mail")
	}
	g.typeInto("#outside-code", code)
	shot(g, 4, "guest-enters-code")

	// 5. Open: the guest is signed in and lands in the thread, reads; no
	// directory, no new conversation, no account settings, no uploads, no
	// urgent, no sideways scrolling.
	g.click("#outside-open")
	g.waitJS(15*time.Second, "the guest reads the message", fmt.Sprintf(
		`location.pathname === %q && [...document.querySelectorAll('.msg .body')].some(e => e.textContent === %q)`, thread, first))
	g.waitJS(10*time.Second, "live socket open", `document.querySelector('#live-status.live-open') !== null`)
	for _, sel := range []string{"#new-conversation", "#write-care-team-link", "#write-outside-link", "#nav-account", "#nav-patients",
		"#nav-inbox", "#composer-attach", "#composer-urgent", "#composer-camera"} {
		if eval[bool](g, fmt.Sprintf(`!!document.querySelector(%q)`, sel)) {
			t.Errorf("the guest sees %s", sel)
		}
	}
	if title := g.text("#thread-title"); title != "Secure message from "+clinic {
		t.Errorf("the guest's thread title %q", title)
	}
	if w := eval[float64](g, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the page scrolls sideways: %v px wide", w)
	}
	shot(g, 5, "guest-reads-phone")
	n.waitJS(10*time.Second, "the nurse sees: opened", `document.querySelector('#outside-status')?.dataset.status === 'opened'`)

	// 6. The nurse attaches a file in the thread: it goes through the
	// outside route (a new link is mailed), and the guest gets it live.
	mark = suite.mail.mark()
	n.attachFile("summary.txt", "text/plain", []byte(fileText))
	n.waitJS(10*time.Second, "the upload finishes", `!!document.querySelector('#uploads li[data-state=done]')`)
	n.send("The discharge summary is attached.", false)
	n.waitJS(10*time.Second, "the nurse's attachment is sent", `[...document.querySelectorAll('.msg.mine')].some(m =>
		m.querySelector('.body')?.textContent === 'The discharge summary is attached.' && m.querySelector('.attachment') && m.querySelector('.status')?.dataset.state !== 'failed' && m.dataset.id)`)
	m = suite.mail.wait(t, mark, to, "secure message", 15*time.Second)
	if strings.Contains(m.Body, "summary") || !strings.Contains(m.Body, "/outside/") {
		t.Errorf("the second mail:\n%s", m.Body)
	}
	n.waitJS(10*time.Second, "a new link: sent again", `document.querySelector('#outside-status')?.dataset.status === 'sent'`)
	shot(n, 6, "nurse-sends-attachment")

	// 7. The guest sees it live and downloads it.
	g.waitJS(10*time.Second, "the attachment reaches the guest live",
		`[...document.querySelectorAll('.msg .att-name')].some(e => e.textContent === 'summary.txt')`)
	got := eval[string](g, `fetch(document.querySelector('.msg .attachment a.att-download').href).then(r => r.ok ? r.arrayBuffer() : new ArrayBuffer(0))
		.then(b => btoa(String.fromCharCode(...new Uint8Array(b))))`)
	if b, _ := base64.StdEncoding.DecodeString(got); !bytes.Equal(b, []byte(fileText)) {
		t.Errorf("the guest downloaded %q", b)
	}
	shot(g, 7, "guest-gets-attachment")

	// 8. The guest replies.
	g.send(reply, false)
	g.waitJS(10*time.Second, "the reply is sent", fmt.Sprintf(`[...document.querySelectorAll('.msg.mine')].some(m =>
		m.querySelector('.body')?.textContent === %q && m.dataset.id)`, reply))
	shot(g, 8, "guest-replies")

	// 9. The nurse sees the reply and "replied", live.
	n.waitJS(10*time.Second, "the nurse sees the reply and: replied", fmt.Sprintf(
		`document.querySelector('#outside-status')?.dataset.status === 'replied' &&
		[...document.querySelectorAll('.msg:not(.mine)')].some(m => m.querySelector('.body')?.textContent === %q &&
			m.querySelector('.sender')?.textContent === %q)`, reply, to))
	n.waitJS(5*time.Second, "the list tags the thread: replied",
		fmt.Sprintf(`document.querySelector('a.conv[href=%q] .outside-tag')?.dataset.status === 'replied'`, thread))
	shot(n, 9, "nurse-sees-replied")

	// 10. The guest signs out: the sign-in page says how to come back.
	g.click("#sign-out")
	g.waitJS(10*time.Second, "signed out with the guest's notice",
		`(document.querySelector('#signin-notice')?.textContent ?? '').includes('newest email')`)
	shot(g, 10, "guest-signed-out")

	// The nurse's view holds on reload.
	n.do(10*time.Second, "reload", chromedp.Reload())
	n.waitJS(15*time.Second, "replied after a reload", `document.querySelector('#outside-status')?.dataset.status === 'replied'`)
}
