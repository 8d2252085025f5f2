package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Issue 22, Show 1: the patient's whole way in, in Chromium, one screenshot
// per step under e2e/artifacts (journey-NN-*.png). A nurse creates a patient
// and invites them by email; the test reads the mail from its SMTP server;
// the patient opens the link on a phone, sets a passkey and writes to the
// clinic with a photo; it appears in the team inbox; another nurse claims
// it and answers with a saved reply; the patient sees the answer live;
// after hours the patient gets the team's auto-reply.
func TestPatientJourney(t *testing.T) {
	skipWithoutBrowser(t)
	j := newJourney(t)
	j.nurseCreatesAndInvites()                             // 1
	j.mailHoldsTheLink()                                   // 2
	j.patientOpensTheLink()                                // 3
	j.patientSetsAPasskey()                                // 4
	j.patientWritesWithAPhoto()                            // 5, 6
	j.secondNurseClaims()                                  // 7
	j.secondNurseSeesThePhoto()                            // 8
	j.secondNurseAnswers()                                 // 9
	j.patientSeesTheAnswerLive()                           // 10
	t.Run("after-hours auto-reply", j.afterHoursAutoReply) // 11
}

// journey is the state the steps pass on.
type journey struct {
	t                 *testing.T
	local             string // https://localhost:PORT: the passkey relying party, so the origin staff browse too
	clinic            string
	team              string // the care team's id
	teamName          string
	nurse, nurse2     person
	nurseAPI          *apiClient
	reply             string // the saved reply's title
	mrn, given, email string
	patientID         string
	link              string
	conv              string // the patient's inbox conversation
	photo, stripped   []byte // the JPEG sent (with EXIF and GPS) and what must be stored
	answer            string // the saved reply, rendered for the patient
	n1, n2, p         *tab
	authenticator     webauthn.AuthenticatorID
}

func newJourney(t *testing.T) *journey {
	t.Helper()
	owner := demoLoginFor(t, "owner")
	admin := apiLogin(t, owner.Email, owner.Password)
	j := &journey{t: t, local: strings.Replace(suite.base, "127.0.0.1", "localhost", 1), given: "Robin"}
	j.nurse = newPerson(t, admin, "Nadia Journey", "staff")
	j.nurse2 = newPerson(t, admin, "Noor Journey", "staff")
	seq := time.Now().UnixNano() % 1e9
	j.mrn = fmt.Sprintf("J-%d", seq)
	j.email = fmt.Sprintf("robin.quill.%d@patient.example", seq)

	// The care team both nurses are in (teams are an admin's to make).
	j.teamName = fmt.Sprintf("Ward 7 nurses %d", seq)
	var team struct {
		ID string `json:"id"`
	}
	admin.do("POST", "/api/v1/teams", map[string]any{"name": j.teamName}, &team, 201)
	j.team = team.ID
	for _, n := range []person{j.nurse, j.nurse2} {
		admin.do("PUT", "/api/v1/teams/"+j.team+"/members/"+n.ID, map[string]any{}, nil, 200)
	}
	// The demo org (internal/demo's OrgName): the clinic the mail, the
	// invitation page and the auto-reply name.
	j.clinic = "Demo Clinic"
	if !strings.Contains(suite.demoOut, j.clinic) {
		t.Fatalf("ward demo did not seed %q:\n%s", j.clinic, suite.demoOut)
	}

	// The team's saved reply, with a placeholder the picker fills in.
	j.nurseAPI = apiLogin(t, j.nurse.Email, j.nurse.Password)
	j.reply = "Photo received"
	j.nurseAPI.do("POST", "/api/v1/replies", map[string]any{"team_id": j.team, "title": j.reply,
		"body": "Hello {patient.first_name}, thank you for the photo. It looks like it is healing well; we will call you tomorrow. {staff.name}"}, nil, 201)
	j.answer = fmt.Sprintf("Hello %s, thank you for the photo. It looks like it is healing well; we will call you tomorrow. %s", j.given, j.nurse2.Name)
	j.photo, j.stripped = exifJPEG(t, "E2E-CAMERA-CANARY")
	return j
}

func (j *journey) shot(tb *tab, n int, name string) { tb.shot(fmt.Sprintf("journey-%02d-%s", n, name)) }

// setInputs sets form fields as typing would (a date input takes keys in
// the browser's locale, so values are set with an input event).
func setInputs(tb *tab, values map[string]string) {
	tb.t.Helper()
	var js strings.Builder
	js.WriteString(`(() => { const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); };`)
	for id, v := range values {
		fmt.Fprintf(&js, "set(%q, %q);", id, v)
	}
	js.WriteString("return true; })()")
	eval[bool](tb, js.String())
}

// 1. The nurse (desktop) creates the record on the Patients screen, assigns
// it to her care team and invites the patient by email.
func (j *journey) nurseCreatesAndInvites() {
	j.n1 = newTab(j.t, "nurse", false)
	a := j.n1
	a.signInAt(j.local, j.nurse.Email, j.nurse.Password)
	a.click("#nav-patients")
	a.click("#new-patient")
	a.waitJS(10*time.Second, "the new patient form", `!!document.querySelector('#patient-form #pf-mrn')`)
	setInputs(a, map[string]string{"pf-mrn": j.mrn, "pf-given_name": j.given, "pf-family_name": "Quill",
		"pf-birth_date": "1987-03-14", "pf-email": j.email})
	a.click("#patient-form button[type=submit]")
	a.waitJS(10*time.Second, "the patient page", fmt.Sprintf(
		`location.pathname.startsWith('/patients/') && (document.querySelector('#patient-banner')?.textContent ?? '').includes(%q)`, j.mrn))
	j.patientID = eval[string](a, `location.pathname.slice('/patients/'.length)`)

	a.waitJS(10*time.Second, "the care team to assign", fmt.Sprintf(`!!document.querySelector('#assign-team option[value=%q]')`, j.team))
	setInputs(a, map[string]string{"assign-team": j.team})
	a.click("#patient-teams form button[type=submit]")
	a.waitJS(10*time.Second, "the record is assigned", fmt.Sprintf(`!!document.querySelector('#patient-teams li[data-team=%q]')`, j.teamName))

	a.click("#invite-email")
	a.waitJS(10*time.Second, "the invitation is sent and pending",
		`(document.querySelector('#invite-note')?.textContent ?? '').includes('sent by email') && (document.querySelector('#invitation-list')?.textContent ?? '').includes('ending')`)
	j.shot(a, 1, "nurse-invites-by-email")
}

// 2. The invitation is in the test's SMTP server: the clinic's name and a
// link, nothing of the record.
func (j *journey) mailHoldsTheLink() {
	m := suite.mail.wait(j.t, 0, j.email, "invitation", 15*time.Second)
	if m.Subject != j.clinic+": your invitation" {
		j.t.Errorf("subject %q", m.Subject)
	}
	for _, phi := range []string{j.mrn, "Quill", j.given, "1987"} {
		if strings.Contains(m.Subject+m.Body, phi) {
			j.t.Errorf("the invitation mail holds %q:\n%s", phi, m.Body)
		}
	}
	j.link = regexp.MustCompile(`https://\S+/invite/[A-Za-z0-9_-]+`).FindString(m.Body)
	if !strings.HasPrefix(j.link, j.local+"/invite/") {
		j.t.Fatalf("no invitation link on %s in the mail:\n%s", j.local, m.Body)
	}
	// The nurse's screen, as the mail went out; the test's mailbox is the
	// patient's mail app.
	j.shot(j.n1, 2, "invitation-mailed")
}

// 3. The patient opens the link on a phone, asks for the emailed code,
// types it from the mail and chooses a password.
func (j *journey) patientOpensTheLink() {
	j.p = newTab(j.t, "patient", true)
	p := j.p
	p.do(10*time.Second, "a 390x844 phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	j.authenticator = p.addAuthenticator()
	p.do(10*time.Second, "open the invitation link", chromedp.Navigate(j.link))
	p.waitJS(10*time.Second, "the invitation names the clinic",
		fmt.Sprintf(`document.querySelector('#invite-title')?.textContent === %q`, j.clinic+" invites you"))
	mark := suite.mail.mark()
	p.click("#invite-send-code")
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(suite.mail.wait(j.t, mark, j.email, "your code", 15*time.Second).Body)
	if code == "" {
		j.t.Fatal("no six-digit code in the mail")
	}
	const pw = "robin quill e2e garden lantern"
	p.typeInto("#invite-code", code)
	p.typeInto("#invite-password", pw)
	p.typeInto("#invite-again", pw)
	j.shot(p, 3, "patient-opens-link-phone")
	p.click("#invite-accept")
	p.waitJS(15*time.Second, "the account is made: the passkey offer", `!!document.querySelector('#invite-add-passkey')`)
}

// 4. The patient adds a passkey (the phone's screen lock: Chromium's
// virtual authenticator, internal, resident key, user verification) and
// lands in the portal.
func (j *journey) patientSetsAPasskey() {
	p := j.p
	p.click("#invite-add-passkey")
	p.waitJS(15*time.Second, "the recovery codes of the first passkey", `document.querySelectorAll('#recovery-codes li').length > 0`)
	got, err := chromedp.Call(p.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: j.authenticator})
	if err != nil {
		j.t.Fatal(err)
	}
	creds := got.Credentials
	if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
		j.t.Fatalf("the authenticator holds %d credentials (%+v), want one resident key for localhost", len(creds), creds)
	}
	j.shot(p, 4, "patient-passkey-set-phone")
	p.click("#codes-saved")
	p.click("#codes-continue")
	p.waitJS(10*time.Second, "the portal", `!!document.querySelector('#write-care-team-link') && document.querySelector('#live-status.live-open') !== null`)
}

// 5-6. The patient writes to the clinic with a photo from the camera
// button (a JPEG with EXIF and GPS, as a phone camera writes it): one
// message, text and photo, in a new thread of the team inbox.
func (j *journey) patientWritesWithAPhoto() {
	p := j.p
	p.click("#write-care-team-link")
	const text = "Hello, the wound on my arm is red since yesterday. Here is a photo."
	p.typeInto("#care-team-body", text)
	eval[bool](p, fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'IMG_0412.jpg', {type: 'image/jpeg'}));
		const input = document.querySelector('#care-team-camera-input');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, base64.StdEncoding.EncodeToString(j.photo)))
	p.waitJS(5*time.Second, "the photo is listed to send", `document.querySelector('#care-team-photos .att-name')?.textContent === 'IMG_0412.jpg'`)
	cam := eval[string](p, `(() => { const i = document.querySelector('#care-team-camera-input'); return i.getAttribute('accept') + ' ' + i.getAttribute('capture') })()`)
	if cam != "image/jpeg,image/png,image/webp environment" {
		j.t.Errorf("camera input: %q", cam)
	}
	j.shot(p, 5, "patient-writes-with-photo-phone")
	p.click("#care-team-send")
	p.waitJS(15*time.Second, "the thread opens with the message and its photo", fmt.Sprintf(`location.pathname.startsWith('/c/') &&
		[...document.querySelectorAll('.msg.mine')].some(m => m.querySelector('.body')?.textContent === %q &&
			m.querySelector('.status')?.dataset.state !== 'sending' &&
			[...m.querySelectorAll('img.preview')].some(i => i.complete && i.naturalWidth === 64))`, text))
	j.conv = eval[string](p, `location.pathname.slice(3)`)
	if n := eval[float64](p, `document.querySelectorAll('.msg').length`); n != 1 {
		j.t.Errorf("the new thread holds %v messages, want the one with the photo", n)
	}
	if w := eval[float64](p, `document.documentElement.scrollWidth`); w > 390 {
		j.t.Errorf("the patient's thread scrolls sideways: %v px wide", w)
	}
	j.shot(p, 6, "patient-photo-sent-phone")
}

// 7. Another nurse of the team sees the thread waiting in the team inbox
// and claims it.
func (j *journey) secondNurseClaims() {
	j.n2 = newTab(j.t, "nurse2", false)
	b := j.n2
	b.signInAt(j.local, j.nurse2.Email, j.nurse2.Password)
	b.click("#nav-inbox")
	row := fmt.Sprintf(`li.inbox-thread[data-id=%q]`, j.conv)
	b.waitJS(10*time.Second, "the thread waits in the team inbox", fmt.Sprintf(
		`(document.querySelector('%s .waiting')?.textContent ?? '').startsWith('waiting') && (document.querySelector('%s')?.textContent ?? '').includes('handled by nobody')`, row, row))
	b.click(row + " button.claim")
	b.waitJS(10*time.Second, "the thread is hers", fmt.Sprintf(
		`(document.querySelector('%s')?.textContent ?? '').includes(%q) && !document.querySelector('%s button.claim')`, row, "handled by "+j.nurse2.Name, row))
	j.shot(b, 7, "second-nurse-claims")
}

// 8. She opens the thread: the patient banner, the patient named on their
// messages (from the record, not "Unknown user"), both messages and the
// photo, stored without its EXIF and GPS (the bytes the camera wrote, less
// the APP1 segment).
func (j *journey) secondNurseSeesThePhoto() {
	b := j.n2
	b.click(fmt.Sprintf(`li.inbox-thread[data-id=%q] a`, j.conv))
	b.waitJS(10*time.Second, "the thread with the patient banner and the photo", fmt.Sprintf(`location.pathname === '/c/%s' &&
		(document.querySelector('#patient-banner')?.textContent ?? '').includes(%q) &&
		[...document.querySelectorAll('.msg:not(.mine) img.preview')].some(i => i.complete && i.naturalWidth === 64) &&
		[...document.querySelectorAll('.msg:not(.mine) .sender')].some(e => e.textContent === 'Quill, ' + %q)`, j.conv, j.mrn, j.given))
	got := eval[string](b, `fetch(document.querySelector('.msg .attachment a.att-download').href)
		.then(r => r.arrayBuffer()).then(b => { let s = ''; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`)
	stored, err := base64.StdEncoding.DecodeString(got)
	if err != nil {
		j.t.Fatal(err)
	}
	if bytes.Contains(stored, []byte("Exif\x00\x00")) || bytes.Contains(stored, []byte("E2E-CAMERA-CANARY")) {
		j.t.Errorf("the stored photo keeps its EXIF (%d bytes)", len(stored))
	}
	if !bytes.Equal(stored, j.stripped) {
		j.t.Errorf("the stored photo is %d bytes, want the %d the camera wrote less its EXIF and GPS (%d)", len(stored), len(j.photo), len(j.stripped))
	}
	j.shot(b, 8, "second-nurse-sees-photo")
}

// 9. She answers with the team's saved reply through the composer's
// picker: {patient.first_name} and {staff.name} are filled in.
func (j *journey) secondNurseAnswers() {
	b := j.n2
	b.click("#composer-replies")
	pick := fmt.Sprintf(`#replies-menu button[data-reply=%q]`, j.reply)
	b.waitJS(10*time.Second, "the saved reply in the picker", fmt.Sprintf(`!!document.querySelector(%q)`, pick))
	b.click(pick)
	b.waitJS(10*time.Second, "the composer holds the rendered reply",
		fmt.Sprintf(`document.querySelector('#composer-body').value === %q`, j.answer))
	j.shot(b, 9, "second-nurse-saved-reply")
	// From here the patient's page must not load again: the answer comes live.
	eval[bool](j.p, `(window.journeyNoReload = true)`)
	b.click("#composer-send")
	b.waitJS(10*time.Second, "the answer is sent", myStatusJS(j.answer, "sent")+` || `+myStatusJS(j.answer, "delivered")+` || `+myStatusJS(j.answer, "read"))
}

// 10. The patient's open thread shows the answer without a reload.
func (j *journey) patientSeesTheAnswerLive() {
	p := j.p
	p.waitJS(10*time.Second, "the answer arrives live", fmt.Sprintf(
		`window.journeyNoReload === true && [...document.querySelectorAll('.msg:not(.mine) .body')].some(e => e.textContent === %q)`, j.answer))
	j.shot(p, 10, "patient-sees-answer-live-phone")
}

// 11. After hours: the team's hours say the clinic is closed now (today
// is a holiday in its zone), the patient writes again and gets the team's
// auto-reply in the thread.
func (j *journey) afterHoursAutoReply(t *testing.T) {
	defer j.use(t)()
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(zone)
	var weekdays []map[string]any
	for d := 1; d <= 5; d++ {
		weekdays = append(weekdays, map[string]any{"day": d, "open": "08:00", "close": "17:00"})
	}
	hours := map[string]any{"time_zone": zone.String(), "open": weekdays,
		"holidays":   []string{now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)},
		"auto_reply": "Thank you for writing to {clinic.name}. We are closed now and answer when we open, weekdays from 8:00."}
	if status := j.nurseAPI.status("PUT", "/api/v1/teams/"+j.team+"/hours", hours); status != http.StatusOK {
		t.Fatalf("PUT team hours: %d", status)
	}
	auto := "Thank you for writing to " + j.clinic + ". We are closed now and answer when we open, weekdays from 8:00."

	p := j.p
	const again = "It is worse this evening, should I come in?"
	p.send(again, false)
	p.waitJS(10*time.Second, "the patient's message is sent", myStatusJS(again, "sent")+` || `+myStatusJS(again, "delivered")+` || `+myStatusJS(again, "read"))
	p.waitJS(10*time.Second, "the auto-reply arrives in the thread", fmt.Sprintf(
		`window.journeyNoReload === true && [...document.querySelectorAll('.msg:not(.mine) .body')].some(e => e.textContent === %q)`, auto))
	j.shot(p, 11, "patient-gets-auto-reply-phone")
}

// use points the journey's tabs at a subtest (a failure must be reported
// on the goroutine of the test that runs the step) and returns the undo.
func (j *journey) use(t *testing.T) func() {
	tabs := []*tab{j.n1, j.n2, j.p}
	for _, tb := range tabs {
		tb.t = t
	}
	nurseT := j.nurseAPI.t
	j.nurseAPI.t = t
	return func() {
		for _, tb := range tabs {
			tb.t = j.t
		}
		j.nurseAPI.t = nurseT
	}
}

// status sends a request and returns the answer's status code.
func (c *apiClient) status(method, path string, body any) int {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, suite.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := suite.httpClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// exifJPEG is a generated 64x48 photo as a phone camera writes it: a JPEG
// with an APP1 EXIF segment holding the camera's make (canary) and a GPS
// position. stripped is the same file without that segment: what ward
// must store.
func exifJPEG(t *testing.T, canary string) (photo, stripped []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(180 + x), uint8(90 + y), uint8(80 + (x+y)%40), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	stripped = b.Bytes()

	// TIFF, big-endian: IFD0 {Make, GPSInfo} at 8, the GPS IFD {N 40°26'46",
	// W 79°58'56"} at 38, its rationals at 92 and 116, the make at 140.
	be := binary.BigEndian
	entry := func(d []byte, tag, typ uint16, count, value uint32) []byte {
		d = be.AppendUint16(d, tag)
		d = be.AppendUint16(d, typ)
		d = be.AppendUint32(d, count)
		return be.AppendUint32(d, value)
	}
	const ascii, long, rational = 2, 4, 5
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = be.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x010f, ascii, uint32(len(canary)+1), 140)
	tiff = entry(tiff, 0x8825, long, 1, 38)
	tiff = be.AppendUint32(tiff, 0)
	tiff = be.AppendUint16(tiff, 4)
	tiff = entry(tiff, 0x0001, ascii, 2, uint32('N')<<24)
	tiff = entry(tiff, 0x0002, rational, 3, 92)
	tiff = entry(tiff, 0x0003, ascii, 2, uint32('W')<<24)
	tiff = entry(tiff, 0x0004, rational, 3, 116)
	tiff = be.AppendUint32(tiff, 0)
	for _, v := range []uint32{40, 26, 46, 79, 58, 56} {
		tiff = be.AppendUint32(tiff, v)
		tiff = be.AppendUint32(tiff, 1)
	}
	if len(tiff) != 140 {
		t.Fatalf("EXIF layout: the make is at %d, not 140", len(tiff))
	}
	tiff = append(append(tiff, canary...), 0)
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := be.AppendUint16([]byte{0xff, 0xe1}, uint16(len(app1)+2))
	photo = append(append(append([]byte{}, stripped[:2]...), append(seg, app1...)...), stripped[2:]...)
	return photo, stripped
}
