package e2e

import (
	"fmt"
	"testing"
	"time"
)

// Issue 22: a nurse creates a patient record from the Patients screen,
// starts a conversation about the patient from its page, and the thread
// shows the patient banner (name, DOB, MRN); the colleague sees it too.
func TestNurseCreatesPatientAndSeesBanner(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	nurse := newPerson(t, admin, "Nadia Banner", "staff")
	doc := newPerson(t, admin, "Cole Banner", "clinician")
	mrn := fmt.Sprintf("E2E-%d", time.Now().UnixNano()%1e9)

	a := newTab(t, "nurse", false)
	a.signIn(nurse.Email, nurse.Password)
	a.click("#nav-patients")
	a.waitJS(10*time.Second, "the Patients screen", `!!document.querySelector('#patients #patient-search')`)
	a.click("#new-patient")
	a.waitJS(10*time.Second, "the new patient form", `!!document.querySelector('#patient-form #pf-mrn')`)
	// A date input takes keys in the browser's locale: set values as the page would see them typed.
	eval[bool](a, fmt.Sprintf(`(() => {
		const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); };
		set('pf-mrn', %q); set('pf-given_name', 'Testy'); set('pf-family_name', 'Bannerman'); set('pf-birth_date', '1961-07-04');
		return true;
	})()`, mrn))
	// A future date of birth is refused in the browser first.
	eval[bool](a, `(() => { const e = document.getElementById('pf-birth_date'); e.value = '2999-01-01'; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	a.click("#patient-form button[type=submit]")
	a.waitJS(5*time.Second, "the form says the date is in the future", `!!document.querySelector('#pf-birth_date-error')`)
	eval[bool](a, `(() => { const e = document.getElementById('pf-birth_date'); e.value = '1961-07-04'; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	a.shot("22-new-patient-form")
	a.click("#patient-form button[type=submit]")
	a.waitJS(10*time.Second, "the patient page with its banner", fmt.Sprintf(
		`location.pathname.startsWith('/patients/') && (document.querySelector('#patient-banner')?.textContent ?? '').includes(%q)`, mrn))
	a.shot("22-patient-page")

	a.click("#start-about-patient")
	a.waitJS(10*time.Second, "the colleague is listed", fmt.Sprintf(
		`[...document.querySelectorAll('#start-patient-conversation label')].some(l => l.textContent.includes(%q))`, doc.Name))
	eval[bool](a, fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll('#start-patient-conversation label')].find(l => l.textContent.includes(%q));
		l.querySelector('input').click();
		return true;
	})()`, doc.Name))
	a.click("#start-patient-conversation button[type=submit]")
	banner := fmt.Sprintf(`location.pathname.startsWith('/c/') && (() => {
		const t = document.querySelector('#patient-banner')?.textContent ?? '';
		return t.includes('Bannerman, Testy') && t.includes(%q) && t.includes('1961');
	})()`, mrn)
	a.waitJS(10*time.Second, "the thread shows the patient banner", banner)
	a.send("Testy Bannerman's potassium is 3.1 this morning.", false)
	a.shot("22-thread-banner")
	path := eval[string](a, `location.pathname`)

	b := newTab(t, "doctor", true)
	b.signIn(doc.Email, doc.Password)
	b.click(fmt.Sprintf(`a.conv[href=%q]`, path))
	b.waitJS(10*time.Second, "the doctor sees the banner", banner)
	b.shot("22-thread-banner-phone")
}
