package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Issue 23, the on-call screens, in Chromium, one screenshot per step under
// e2e/artifacts (oncall-NN-*.png). The owner builds a weekly schedule for a
// new role in the admin console: two clinicians, put in order with the
// arrows; the month calendar shows who is on call each day, the hand-over
// and an override; an override that would leave a gap is refused with the
// server's detail shown inline. A staff member opens "On call now", sees
// the first clinician and pages the role; the thread shows "<role> (<name>)".
// The clinician on call, signed in in another browser context, sees the
// urgent page arrive live.
func TestOnCallScreens(t *testing.T) {
	skipWithoutBrowser(t)
	owner := demoLoginFor(t, "owner")
	admin := apiLogin(t, owner.Email, owner.Password)
	seq := time.Now().UnixNano() % 1e6
	shah := newPerson(t, admin, fmt.Sprintf("Asha Shah %d", seq), "clinician")
	okafor := newPerson(t, admin, fmt.Sprintf("Ben Okafor %d", seq), "clinician")
	sam := newPerson(t, admin, fmt.Sprintf("Sam Pager %d", seq), "staff")
	role := fmt.Sprintf("Cardiology on call %d", seq)
	// A weekly rotation in UTC, handing over at midnight, from yesterday:
	// Shah holds the role now, Okafor from a week after the start.
	now := time.Now().UTC()
	start := now.AddDate(0, 0, -1).Format("2006-01-02")
	second := now.AddDate(0, 0, 6).Format("2006-01-02")
	overrideDay := now.AddDate(0, 0, 2).Format("2006-01-02")
	shot := func(tb *tab, n int, name string) { tb.shot(fmt.Sprintf("oncall-%02d-%s", n, name)) }

	// The clinician on call is signed in, in a browser context of their own.
	doc := newTab(t, "clinician on call", false)
	doc.signIn(shah.Email, shah.Password)

	// 1. The owner opens the On-call page and starts a role.
	a := newTab(t, "owner", false)
	a.signIn(owner.Email, owner.Password)
	a.click("#nav-admin")
	a.click("#tab-oncall")
	a.click("#new-oncall-role")
	a.waitJS(10*time.Second, "the new role form", `!!document.querySelector('#oncall-new #oncall-new-name')`)
	a.typeInto("#oncall-new-name", role)
	setInputs(a, map[string]string{"oncall-new-kind": "weekly", "oncall-new-handover": "00:00", "oncall-new-zone": "UTC", "oncall-new-start": start})
	// Okafor first, then Shah, then Shah moved up: the order is Shah, Okafor.
	for _, p := range []person{okafor, shah} {
		a.waitJS(10*time.Second, "the directory offers "+p.Name, fmt.Sprintf(`!!document.querySelector('#oncall-new-add option[value=%q]')`, p.ID))
		setInputs(a, map[string]string{"oncall-new-add": p.ID})
		a.click("#oncall-new-add-person")
		a.waitJS(5*time.Second, p.Name+" in the rotation", fmt.Sprintf(`!!document.querySelector('#oncall-new-people li[data-person=%q]')`, p.ID))
	}
	a.click(fmt.Sprintf(`#oncall-new-people li[data-person=%q] button`, shah.ID)) // its first button: up
	a.waitJS(5*time.Second, "Shah first, Okafor second", fmt.Sprintf(
		`[...document.querySelectorAll('#oncall-new-people li')].map(l => l.dataset.person).join() === %q`, shah.ID+","+okafor.ID))
	shot(a, 1, "owner-builds-the-schedule")

	// 2. Created: the role's card with its calendar; today is Shah's, and
	// Okafor takes over at 00:00 a week after the start.
	a.click(`#oncall-new button[type=submit]`)
	card := fmt.Sprintf(`section.oncall-role[data-role=%q]`, role)
	a.waitJS(10*time.Second, "the role's card and calendar", fmt.Sprintf(`!!document.querySelector(%q)`, card+` table.calendar td[data-day]`))
	// cell is the text of a day of the role's calendar, stepping on a
	// month when the day is not in the one shown.
	cell := func(day string) string {
		t.Helper()
		cal := card + ` .oncall-calendar`
		for range 3 {
			month := eval[string](a, fmt.Sprintf(`document.querySelector(%q).dataset.month`, cal))
			loaded := fmt.Sprintf(`%s[data-month=%q][data-loaded]`, cal, month)
			a.waitJS(10*time.Second, "the shifts of "+month, fmt.Sprintf(`!!document.querySelector(%q)`, loaded))
			if month == day[:7] {
				return eval[string](a, fmt.Sprintf(`document.querySelector(%q).textContent`, loaded+fmt.Sprintf(` td[data-day=%q]`, day)))
			}
			a.click(card + ` button[aria-label^="Next month"]`)
			a.waitJS(10*time.Second, "the next month", fmt.Sprintf(`document.querySelector(%q).dataset.month !== %q`, cal, month))
		}
		t.Fatalf("the calendar never showed %s", day)
		return ""
	}
	a.waitJS(10*time.Second, "today is Shah's", fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? '').includes(%q)`,
		card+fmt.Sprintf(` td[data-day=%q]`, now.Format("2006-01-02")), shah.Name))
	shot(a, 2, "calendar")
	if got := cell(second); !strings.Contains(got, "00:00 → "+okafor.Name) || !strings.Contains(got, okafor.Name) {
		t.Fatalf("the hand-over day %s shows %q, want Okafor from 00:00", second, got)
	}
	shot(a, 3, "calendar-hand-over")

	// 3. An override before the rotation starts would leave a gap: refused,
	// with the server's detail (where the gap is) inline. Then one that fits
	// is marked in the calendar.
	a.do(10*time.Second, "reload the page on this month", chromedp.Navigate(suite.base+"/admin/oncall"))
	a.waitJS(10*time.Second, "the role's card", fmt.Sprintf(`!!document.querySelector(%q)`, card+` details.oncall-exceptions`))
	exc := eval[string](a, fmt.Sprintf(`document.querySelector(%q).id`, card+` details.oncall-exceptions`))
	eval[bool](a, fmt.Sprintf(`(() => { document.getElementById(%q).open = true; return true })()`, exc))
	early := now.AddDate(0, 0, -30).Format("2006-01-02")
	setInputs(a, map[string]string{exc + "-ov-user": okafor.ID, exc + "-ov-from": early + "T08:00", exc + "-ov-to": early + "T20:00"})
	a.click("#" + exc + "-add-override button[type=submit]")
	a.waitJS(10*time.Second, "the gap is refused, with where", fmt.Sprintf(`(document.getElementById(%q)?.textContent ?? '').includes('no one is on call from')`, exc+"-error"))
	shot(a, 4, "override-gap-refused")
	setInputs(a, map[string]string{exc + "-ov-user": okafor.ID, exc + "-ov-from": overrideDay + "T08:00", exc + "-ov-to": overrideDay + "T20:00"})
	a.click("#" + exc + "-add-override button[type=submit]")
	a.waitJS(10*time.Second, "the override is listed", fmt.Sprintf(`document.querySelectorAll('#%s-overrides li').length === 1`, exc))
	if got := cell(overrideDay); !strings.Contains(got, okafor.Name+" (override)") || !strings.Contains(got, "08:00 → "+okafor.Name) {
		t.Fatalf("the override day %s shows %q, want Okafor's override from 08:00", overrideDay, got)
	}
	shot(a, 5, "calendar-override")

	// 4. The staff member sees who is on call now and pages the role.
	s := newTab(t, "staff", false)
	s.signIn(sam.Email, sam.Password)
	s.click("#nav-oncall")
	row := fmt.Sprintf(`#oncall-now li[data-role=%q]`, role)
	s.waitJS(10*time.Second, "Shah is on call now, until a week after the start", fmt.Sprintf(
		`(document.querySelector(%q)?.textContent ?? '').includes(%q) && (document.querySelector(%q)?.textContent ?? '').includes('until')`,
		row, shah.Name, row))
	shot(s, 6, "staff-on-call-now")
	s.click(row + ` button.danger`)
	page := fmt.Sprintf("Bed 12 chest pain, troponin rising %d", seq)
	s.typeInto(row+` textarea`, page)
	shot(s, 7, "staff-writes-the-page")
	s.click(row + ` form button[type=submit]`)
	s.waitJS(10*time.Second, "the thread shows whom the role reached", fmt.Sprintf(
		`location.pathname.startsWith('/c/') && (document.querySelector('#thread-oncall')?.textContent ?? '') === %q`, role+" ("+shah.Name+")"))
	s.waitJS(10*time.Second, "the page is sent, urgent", fmt.Sprintf(
		`[...document.querySelectorAll('.msg.mine.urgent')].some(m => m.textContent.includes(%q) && m.dataset.seq)`, page))
	shot(s, 8, "staff-thread")
	conv := eval[string](s, `location.pathname`)
	// The sender sees where the page is, and after a reload the label still
	// comes from the server (GET /api/v1/conversations/{id}/on-call).
	s.waitJS(10*time.Second, "the sender sees who holds the page", fmt.Sprintf(
		`(document.querySelector('#thread-page')?.textContent ?? '').includes(%q)`, "with "+shah.Name+" (primary) since"))
	s.do(10*time.Second, "reload the thread", chromedp.Reload())
	s.waitJS(15*time.Second, "the label after a reload", fmt.Sprintf(
		`(document.querySelector('#thread-oncall')?.textContent ?? '') === %q`, role+" ("+shah.Name+")"))

	// 5. The clinician on call sees the urgent page arrive live.
	doc.waitJS(10*time.Second, "the paged conversation shows up urgent in the list", fmt.Sprintf(`!!document.querySelector('a.conv.urgent[href=%q]')`, conv))
	doc.click(fmt.Sprintf(`a.conv.urgent[href=%q]`, conv))
	doc.waitJS(10*time.Second, "the urgent page with an Acknowledge button", fmt.Sprintf(
		`[...document.querySelectorAll('.msg.urgent:not(.mine)')].some(m => m.textContent.includes(%q) && !!m.querySelector('button.ack'))`, page))
	doc.waitJS(10*time.Second, "the recipient sees whom the role reached", fmt.Sprintf(
		`(document.querySelector('#thread-oncall')?.textContent ?? '') === %q`, role+" ("+shah.Name+")"))
	shot(doc, 9, "clinician-sees-the-page")
}
