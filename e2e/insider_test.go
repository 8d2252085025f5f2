package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// offHoursZone is an IANA zone (Etc/GMT±N) in which the real time now is
// between 02:00 and 03:00: ward has no fake clock, so the test moves the
// org's working day instead of the clock.
func offHoursZone(now time.Time) string {
	off := (2 - now.UTC().Hour() + 24) % 24 // hours east of UTC
	if off > 14 {
		off -= 24
	}
	switch {
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off) // POSIX sign: Etc/GMT-4 is UTC+4
	case off < 0:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
	return "UTC"
}

type insiderAlert struct {
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Status   string `json:"status"`
	Evidence struct {
		UserIDs    []string `json:"user_ids"`
		PatientIDs []string `json:"patient_ids"`
	} `json:"evidence"`
}

// Issue 25, show 1: a scripted insider (a clinician) reads 60 patients'
// records within 5 minutes at 02:00. ward serve has no fake clock: the
// test sets the org's policy so that the real time now is 02:xx in the
// org's time zone (working hours 06:00-22:00) and the bulk-access
// thresholds to their defaults (more than 50 patients within 1 hour).
// A bulk-access and an off-hours alert reach the compliance officer's
// Alerts page within 30 s; the officer selects both and opens an incident
// from them in the browser; the incident lists exactly those 60 patients
// and a deadline 60 days after discovery; one notification letter is
// downloaded and its first page rendered to PNG (pdftoppm) in e2e/artifacts.
func TestInsiderIncident(t *testing.T) {
	skipWithoutBrowser(t)
	started := time.Now()
	owner := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)

	// The org's policy: 02:xx local now, default bulk thresholds; put back after.
	var pol map[string]any
	owner.do("GET", "/api/v1/policy", nil, &pol, 200)
	orig := map[string]any{}
	for k, v := range pol {
		orig[k] = v
	}
	t.Cleanup(func() { owner.do("PUT", "/api/v1/policy", orig, nil, 200) })
	zone := offHoursZone(time.Now())
	pol["time_zone"], pol["work_hours"], pol["work_days"] = zone, "06:00-22:00", ""
	pol["monitor_bulk_patients"], pol["monitor_bulk_window"] = 50, 3600 // seconds
	owner.do("PUT", "/api/v1/policy", pol, nil, 200)
	loc, _ := time.LoadLocation(zone)
	t.Logf("org time zone %s: it is %s there (working hours 06:00-22:00)", zone, time.Now().In(loc).Format("15:04"))

	nurse := newPerson(t, owner, "Nina Seeder", "staff")
	insider := newPerson(t, owner, "Ivan Insider", "clinician")
	co := newPerson(t, owner, "Carla Officer", "compliance")

	// The compliance officer watches the Alerts page.
	c := newTab(t, "compliance", false)
	c.signIn(co.Email, co.Password)
	c.click("#nav-alerts")
	c.waitJS(10*time.Second, "the Alerts page", `!!document.querySelector('#alerts-page')`)

	// 60 patients, seeded over the API by a nurse.
	nc := apiLogin(t, nurse.Email, nurse.Password)
	run := time.Now().UnixNano() % 1e9
	var pids []string
	for i := range 60 {
		var rec struct{ ID string }
		nc.do("POST", "/api/v1/patients", map[string]string{"mrn": fmt.Sprintf("E2E-INS-%d-%02d", run, i), "given_name": fmt.Sprintf("Pat%02d", i),
			"family_name": "Insiderread", "birth_date": "1961-05-04"}, &rec, 201)
		pids = append(pids, rec.ID)
	}

	// The insider reads all 60 within 5 minutes.
	ic := apiLogin(t, insider.Email, insider.Password)
	readFrom := time.Now()
	for _, id := range pids {
		ic.do("GET", "/api/v1/patients/"+id, nil, nil, 200)
	}
	readDone := time.Now()
	if readDone.Sub(readFrom) > 5*time.Minute {
		t.Fatalf("the reads took %s", readDone.Sub(readFrom))
	}

	// Both alerts, naming the insider, on the officer's page within 30 s.
	api := apiLogin(t, co.Email, co.Password)
	want := map[string]string{} // rule -> alert id
	for deadline := readDone.Add(30 * time.Second); len(want) < 2; time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the reads, alerts for the insider: %v", want)
		}
		var l struct{ Alerts []insiderAlert }
		api.do("GET", "/api/v1/compliance/alerts?status=new", nil, &l, 200)
		for _, a := range l.Alerts {
			if slices.Contains(a.Evidence.UserIDs, insider.ID) && (a.Rule == "bulk_access" || a.Rule == "off_hours") &&
				len(a.Evidence.PatientIDs) == 60 {
				want[a.Rule] = a.ID
			}
		}
	}
	c.waitJS(time.Until(readDone.Add(30*time.Second))+time.Second, "both alerts on the Alerts page", fmt.Sprintf(
		`!!document.querySelector('[data-alert=%q][data-rule=bulk_access]') && !!document.querySelector('[data-alert=%q][data-rule=off_hours]')`,
		want["bulk_access"], want["off_hours"]))
	alertsAfter := time.Since(readDone)
	t.Logf("both alerts shown %.1f s after the last read", alertsAfter.Seconds())
	c.shot("25-insider-alerts")

	// The officer opens an incident from both.
	for _, id := range []string{want["bulk_access"], want["off_hours"]} {
		c.click(fmt.Sprintf(`[data-alert=%q] .select-alert`, id))
	}
	c.waitJS(5*time.Second, "two selected", `(document.querySelector('#open-incident-selected')?.textContent ?? '').includes('(2)')`)
	c.click("#open-incident-selected")
	c.waitJS(15*time.Second, "the new incident with its 60 patients", `location.pathname.startsWith('/compliance/incidents/') &&
		document.querySelectorAll('#incident-patients li[data-patient]').length === 60`)
	c.shot("25-insider-incident")
	incID := strings.TrimPrefix(eval[string](c, `location.pathname`), "/compliance/incidents/")
	shown := eval[[]string](c, `[...document.querySelectorAll('#incident-patients li[data-patient]')].map(li => li.dataset.patient)`)
	if !sameSet(shown, pids) {
		t.Fatalf("the incident page lists %d patients, not the 60 read", len(shown))
	}

	var in struct {
		DiscoveredAt time.Time `json:"discovered_at"`
		Deadline     time.Time `json:"deadline"`
		UserIDs      []string  `json:"user_ids"`
		AlertIDs     []string  `json:"alert_ids"`
		Patients     []struct {
			PatientID string `json:"patient_id"`
			Source    string `json:"source"`
		} `json:"patients"`
	}
	api.do("GET", "/api/v1/incidents/"+incID, nil, &in, 200)
	var got []string
	for _, p := range in.Patients {
		if p.Source != "alert" {
			t.Errorf("patient %s has source %q", p.PatientID, p.Source)
		}
		got = append(got, p.PatientID)
	}
	if !sameSet(got, pids) || len(in.UserIDs) != 1 || in.UserIDs[0] != insider.ID || len(in.AlertIDs) != 2 {
		t.Fatalf("incident: %d patients, users %v, alerts %v", len(got), in.UserIDs, in.AlertIDs)
	}
	if !in.Deadline.Equal(in.DiscoveredAt.AddDate(0, 0, 60)) || in.DiscoveredAt.Before(readFrom.Add(-time.Second)) || in.DiscoveredAt.After(time.Now()) {
		t.Fatalf("discovered %s, deadline %s", in.DiscoveredAt, in.Deadline)
	}
	var a insiderAlert
	for _, id := range in.AlertIDs {
		api.do("GET", "/api/v1/compliance/alerts/"+id, nil, &a, 200)
		if a.Status != "escalated" {
			t.Fatalf("alert %s is %s", id, a.Status)
		}
	}

	// One letter, downloaded in the browser with the officer's session.
	b64 := eval[string](c, fmt.Sprintf(`(async () => {
		const href = document.querySelector('#incident-patients li[data-patient=%q] a[download]').href;
		const r = await fetch(href);
		if (!r.ok) return 'HTTP ' + r.status;
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ''; for (const x of b) s += String.fromCharCode(x);
		return btoa(s);
	})()`, pids[0]))
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the letter: %.40q %v", b64, err)
	}
	letter := filepath.Join(suite.artifacts, "25-insider-letter.pdf")
	if err := os.WriteFile(letter, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	renderFirstPage(t, letter, filepath.Join(suite.artifacts, "25-insider-letter"))
	t.Logf("wall time %.1f s (alerts %.1f s after the reads)", time.Since(started).Seconds(), alertsAfter.Seconds())
}

// renderFirstPage turns a PDF's first page into PREFIX.png with pdftoppm
// (poppler-utils; make e2e installs it). Without it the test logs and goes
// on, except under CI=true, where it fails.
func renderFirstPage(t *testing.T, pdf, prefix string) {
	t.Helper()
	tool, err := exec.LookPath("pdftoppm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no pdftoppm (apt-get install -y poppler-utils)")
		}
		t.Logf("no pdftoppm: %s not rendered", pdf)
		return
	}
	if out, err := exec.Command(tool, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	st, err := os.Stat(prefix + ".png")
	if err != nil || st.Size() < 1000 {
		t.Fatalf("the rendered page: %v", err)
	}
	t.Logf("rendered: %s.png", prefix)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
