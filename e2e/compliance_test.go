package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// complianceWorld: a patient record and a conversation about it between a
// nurse and a doctor, with one message, made over the API.
type complianceWorld struct {
	admin         *apiClient
	recID, convID string
	body, mrn     string
}

func newComplianceWorld(t *testing.T) complianceWorld {
	t.Helper()
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	nurse := newPerson(t, admin, "Nell Review", "staff")
	doc := newPerson(t, admin, "Dev Review", "clinician")
	nc := apiLogin(t, nurse.Email, nurse.Password)
	w := complianceWorld{admin: admin, mrn: fmt.Sprintf("E2E-CR-%d", time.Now().UnixNano()%1e9),
		body: fmt.Sprintf("Lactate 4.1 at %d, repeat in 2 h", time.Now().UnixNano()%1e6)}
	var rec struct{ ID string }
	nc.do("POST", "/api/v1/patients", map[string]string{"mrn": w.mrn, "given_name": "Rita", "family_name": "Reviewed", "birth_date": "1958-03-02"}, &rec, 201)
	var conv struct{ ID string }
	nc.do("POST", "/api/v1/conversations", map[string]any{"kind": "group", "title": "Sepsis watch", "members": []string{doc.ID}, "patient_id": rec.ID}, &conv, 201)
	nc.do("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]string{"client_id": "e2e-cr-1", "body": w.body}, nil, 201)
	w.recID, w.convID = rec.ID, conv.ID
	return w
}

// fillReason fills the reason dialog: category, text, minutes.
func (tb *tab) fillReason(category, reason, minutes string) {
	tb.t.Helper()
	tb.waitJS(10*time.Second, "the reason dialog", `!!document.querySelector('#reason-dialog #reason-category')`)
	eval[bool](tb, fmt.Sprintf(`(() => {
		const s = document.getElementById('reason-category'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true}));
		const m = document.getElementById('reason-minutes'); m.value = %q; m.dispatchEvent(new Event('input', {bubbles: true}));
		return true;
	})()`, category, minutes))
	tb.typeInto("#reason-text", reason)
}

// Issue 24, show 1: a compliance officer finds a conversation by patient,
// opens a review with a reason (a review without one is refused in the
// dialog), reads the transcript under the review banner (screenshot); the
// reads are in the audit trail with the review's id and category; an admin
// is still refused; when the time box (one minute) ends, the banner says
// so and the API answers 410 access_expired.
func TestComplianceReview(t *testing.T) {
	skipWithoutBrowser(t)
	w := newComplianceWorld(t)
	co := newPerson(t, w.admin, "Cora Review", "compliance")
	adm := newPerson(t, w.admin, "Ari Admin", "admin")

	c := newTab(t, "compliance", false)
	c.signIn(co.Email, co.Password)
	c.click("#nav-compliance")
	c.waitJS(10*time.Second, "the compliance console", `!!document.querySelector('#compliance-console #compliance-search')`)
	c.typeInto("#cs-patient", w.recID)
	c.click("#cs-submit")
	c.waitJS(10*time.Second, "the conversation is found", fmt.Sprintf(`!!document.querySelector('#search-results [data-conversation=%q]')`, w.convID))
	if got := c.text("#search-results"); strings.Contains(got, "Sepsis watch") {
		t.Fatalf("the search shows the sealed title: %q", got)
	}
	c.click(fmt.Sprintf(`#search-results [data-conversation=%q] .open-review`, w.convID))
	c.fillReason("complaint", "", "1")
	c.click("#reason-submit")
	c.waitJS(5*time.Second, "a review without a reason is refused", `(document.querySelector('#reason-error')?.textContent ?? '').includes('reason')`)
	c.typeInto("#reason-text", "Family complaint 2026-114 about the delay")
	c.click("#reason-submit")
	c.waitJS(15*time.Second, "the transcript under the review banner", fmt.Sprintf(
		`location.pathname.startsWith('/compliance/reviews/') && (document.querySelector('#transcript')?.textContent ?? '').includes(%q) &&
		(document.querySelector('#review-banner')?.textContent ?? '').includes('Family complaint 2026-114')`, w.body))
	c.shot("24-compliance-review")
	reviewID := strings.TrimPrefix(eval[string](c, `location.pathname`), "/compliance/reviews/")

	// Its reads are in the audit trail with the review's id and category.
	api := apiLogin(t, co.Email, co.Password)
	var trail struct {
		Events []struct {
			Reason     string `json:"reason"`
			ResourceID string `json:"resource_id"`
			PatientID  string `json:"patient_id"`
		} `json:"events"`
	}
	api.do("GET", "/api/v1/audit?action=compliance.review_read&user="+co.ID, nil, &trail, 200)
	if len(trail.Events) == 0 || !strings.HasPrefix(trail.Events[0].Reason, "review "+reviewID+" (complaint): messages 1 to 1") ||
		trail.Events[0].ResourceID != w.convID || trail.Events[0].PatientID != w.recID {
		t.Fatalf("audit trail: %+v", trail.Events)
	}
	// An admin is still refused, through the review and as a reader.
	ac := apiLogin(t, adm.Email, adm.Password)
	ac.do("GET", "/api/v1/compliance/reviews/"+reviewID+"/messages", nil, nil, 403)
	ac.do("GET", "/api/v1/conversations/"+w.convID+"/messages", nil, nil, 403)
	ac.do("GET", "/api/v1/compliance/conversations?patient="+w.recID, nil, nil, 403)

	// The time box ends access.
	c.waitJS(80*time.Second, "the banner says the time box ended", `(document.querySelector('#review-time-left')?.textContent ?? '') === 'time box ended' && !document.querySelector('#transcript')`)
	c.shot("24-compliance-review-ended")
	api.do("GET", "/api/v1/compliance/reviews/"+reviewID+"/messages", nil, nil, 410)
}

// Issue 24, show 2: a clinician outside the patient's conversations breaks
// the glass from the patient's page with a reason and reads the
// conversation; the compliance officer, on the console, sees the alert
// live and marks the use justified with a note; the counts follow.
func TestBreakGlassAlertsCompliance(t *testing.T) {
	skipWithoutBrowser(t)
	w := newComplianceWorld(t)
	er := newPerson(t, w.admin, "Eli Emergency", "clinician")
	co := newPerson(t, w.admin, "Cass Queue", "compliance")

	c := newTab(t, "compliance", false)
	c.signIn(co.Email, co.Password)
	c.click("#nav-compliance")
	c.waitJS(10*time.Second, "the break-glass queue", `!!document.querySelector('#breakglass-queue')`)

	e := newTab(t, "emergency", false)
	e.signIn(er.Email, er.Password)
	e.do(15*time.Second, "the patient's page", chromedp.Navigate(suite.base+"/patients/"+w.recID), chromedp.WaitVisible(chromedp.ID("break-glass")))
	e.press("#break-glass") // the patient's page still loads its sections around it
	e.fillReason("emergency", "Cardiac arrest in the ED, care team unreachable", "")
	e.click("#reason-submit")
	e.waitJS(15*time.Second, "the patient's conversations", fmt.Sprintf(`location.pathname.startsWith('/breakglass/') && !!document.querySelector('[data-conversation=%q]')`, w.convID))
	e.click(fmt.Sprintf(`[data-conversation=%q]`, w.convID))
	e.waitJS(10*time.Second, "the transcript", fmt.Sprintf(`(document.querySelector('#transcript')?.textContent ?? '').includes(%q)`, w.body))
	e.shot("24-breakglass-clinician")
	useID := strings.TrimPrefix(eval[string](e, `location.pathname`), "/breakglass/")

	// Live: no reload on the compliance console.
	c.waitJS(10*time.Second, "the live alert and the waiting use", fmt.Sprintf(
		`!!document.querySelector('#breakglass-alert') && !!document.querySelector('[data-use=%q][data-verdict=waiting]')`, useID))
	c.shot("24-breakglass-alert")
	c.typeInto("#note-"+useID, "Confirmed with the ED charge nurse")
	c.click(fmt.Sprintf(`[data-use=%q] .justified`, useID))
	c.waitJS(10*time.Second, "the use is marked justified", fmt.Sprintf(`!!document.querySelector('[data-use=%q][data-verdict=justified]')`, useID))
	c.shot("24-breakglass-reviewed")

	api := apiLogin(t, co.Email, co.Password)
	var judged []map[string]any
	var q struct {
		Uses []map[string]any `json:"uses"`
	}
	api.do("GET", "/api/v1/compliance/breakglass", nil, &q, 200)
	for _, u := range q.Uses {
		if u["id"] == useID {
			judged = append(judged, u)
		}
	}
	if len(judged) != 1 || judged[0]["verdict"] != "justified" || judged[0]["verdict_by"] != co.ID {
		t.Fatalf("the use: %+v", judged)
	}
}
