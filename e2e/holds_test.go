package e2e

import (
	"strings"
	"testing"
	"time"
)

// The demo clinic's compliance officer opens Legal holds, is told to
// choose a scope when she gives only a matter (nothing is placed), places
// a hold over a date range, sees it active, releases it after confirming,
// and reads the Retention overview; the owner sees the holds but no form.
func TestLegalHoldsScreen(t *testing.T) {
	skipWithoutBrowser(t)
	co := demoLoginFor(t, "compliance")
	c := newTab(t, "compliance-holds", false)
	c.signIn(co.Email, co.Password)
	c.click("#nav-holds")
	c.waitJS(10*time.Second, "the Legal holds page", `!!document.querySelector('#hold-form') && (!!document.querySelector('#holds-empty') || !!document.querySelector('#holds-table'))`)
	before := eval[float64](c, `document.querySelectorAll('#holds-table tbody tr').length`)
	c.typeInto("#hold-matter", "Doe v. St Mary (E2E)")
	c.click("#hold-place")
	c.waitJS(5*time.Second, "an empty scope is refused", `(document.querySelector('#hold-error')?.textContent ?? '').includes('Choose what to hold')`)
	if n := eval[float64](c, `document.querySelectorAll('#holds-table tbody tr').length`); n != before {
		t.Fatalf("a hold with an empty scope was placed: %v rows, had %v", n, before)
	}
	eval[bool](c, `(() => {
		const i = document.querySelector('#hold-from');
		i.value = '2026-01-01';
		i.dispatchEvent(new Event('input', {bubbles: true}));
		return true;
	})()`)
	c.click("#hold-place")
	c.waitJS(10*time.Second, "the hold is listed, active", `[...document.querySelectorAll('#holds-table tbody tr')].some(r =>
		r.dataset.active === 'yes' && r.textContent.includes('Doe v. St Mary (E2E)') && r.textContent.includes('2026-01-01 to now'))`)
	c.shot("9-legal-holds")
	c.click(`#holds-table tbody tr[data-active="yes"] td.actions button`)
	c.click(`#holds-table .confirm-yes`)
	c.waitJS(10*time.Second, "the hold is released", `[...document.querySelectorAll('#holds-table tbody tr')].some(r =>
		r.dataset.active === 'no' && r.textContent.includes('Doe v. St Mary (E2E)'))`)
	c.click("#nav-retention")
	c.waitJS(10*time.Second, "the retention overview lists four policies", `document.querySelectorAll('#retention-table tbody tr').length === 4`)
	if got := c.text(`#retention-table tr[data-policy="audit_retention"]`); !strings.Contains(got, "6 years") {
		t.Errorf("audit retention row %q", got)
	}
	c.shot("9-retention")

	ow := demoLoginFor(t, "owner")
	o := newTab(t, "owner-holds", false)
	o.signIn(ow.Email, ow.Password)
	o.click("#nav-retention")
	o.waitJS(10*time.Second, "the owner's retention overview", `document.querySelectorAll('#retention-table tbody tr').length === 4`)
	o.click("#retention-holds a")
	o.waitJS(10*time.Second, "the owner reads the holds", `!!document.querySelector('#holds-table') && !document.querySelector('#hold-form')`)
}
