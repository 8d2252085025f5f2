package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/monitor"
)

// TestPasswordSprayRaisesOneAlert is Show 2 of issue 25: a 10,000-attempt
// password spray from one address (127.0.0.1) over 100 accounts and 25
// emails of no account, sent over real loopback sockets, raises exactly ONE
// password_spray alert once the trail is sealed and the monitor runs; its
// evidence counts the 10,000 attempts; the audit trail accounts for every
// attempt (the login.failed events plus the counts the login.throttled
// events fold), and most attempts were refused by the throttles before any
// password hash. The fixture's clock stands still, so the throttles' blocks
// never run out during the test: the counts do not depend on the machine.
func TestPasswordSprayRaisesOneAlert(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	mon := monitor.New(monitor.Config{Store: f.Store, Keyring: f.Keyring, Broker: f.App.Broker(), Now: f.Clock.Now})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App, Monitor: mon}))
	t.Cleanup(srv.Close)
	sealer, err := audit.NewSealer(f.Store, audit.SealerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	comp, compPW := f.AddUser(t, ward.RoleCompliance, "comp@stmary.example", "A Compliance Officer")
	_, compTok := f.MustLogin(t, comp.Email, compPW, "device-comp")

	const accounts, unknown, attempts, workers = 100, 25, 10_000, 4
	targets := make([]string, 0, accounts+unknown)
	for i := range accounts {
		email := fmt.Sprintf("sprayed%03d@stmary.example", i)
		if _, err := f.App.AddUser(ctx, f.Org.Slug, app.NewUser{Email: email, Name: "Sprayed", Role: ward.RoleStaff,
			Password: "the real passphrase of this account"}); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, email)
	}
	for i := range unknown {
		targets = append(targets, fmt.Sprintf("nobody%02d@stmary.example", i))
	}
	// Everything before the spray is sealed and seen, so the monitor's
	// alerts below are the spray's.
	if _, err := sealer.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mon.Run(ctx); err != nil {
		t.Fatal(err)
	}
	hashesBefore := f.Hasher.Hashes()

	start := time.Now()
	var next atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := range workers {
		wg.Go(func() {
			for {
				k := next.Add(1) - 1
				if k >= attempts {
					return
				}
				// Password by password over the whole list: a spray.
				email := targets[int(k)%len(targets)]
				body := fmt.Sprintf(`{"email":%q,"password":"Spring2026!%d","device":{"id":"spray-device-%d","name":"spray"}}`,
					email, int(k)/len(targets), w)
				resp, err := hc.Post(srv.URL+"/api/v1/sessions", "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 400 && k < 2 {
					t.Logf("%s", b)
				}
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	hashes := f.Hasher.Hashes() - hashesBefore
	t.Logf("spray: %d attempts over %d targets from one address in %s: answers %v; %d password hashes",
		attempts, len(targets), time.Since(start).Round(time.Millisecond), statuses, hashes)
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != attempts {
		t.Fatalf("answers other than 401 and 429: %v", statuses)
	}
	// Each target gets at most its free failures on the budget of a
	// locked address (5) and one more that blocks it, plus the address's
	// own free failures before it was locked (30) and the workers' first
	// attempts in flight: the other attempts never reach the hasher.
	if limit := int64(len(targets)*6 + 30 + workers); hashes > limit {
		t.Errorf("%d attempts reached the password hasher, want at most %d", hashes, limit)
	}

	// What is left folded in memory is written, as at the server's minute
	// tick (or its shutdown); then the trail is sealed and the monitor runs.
	if err := f.App.FlushThrottleEvents(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	raised, err := mon.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The trail: every attempt is one login.failed event or counted in a
	// login.throttled one, and the throttled counts cover every attempt
	// refused before the hasher.
	failed := f.AuditEvents(t, audit.LoginFailed)
	throttled := f.AuditEvents(t, audit.LoginThrottled)
	refused := 0
	for _, ev := range throttled {
		reason, _ := ev["reason"].(string)
		n, err := strconv.Atoi(strings.Fields(reason + " x")[0])
		if err != nil || n < 1 || !strings.Contains(reason, "sign-in attempts refused by the") {
			t.Fatalf("login.throttled reason %q", reason)
		}
		refused += n
	}
	t.Logf("audit trail: %d login.failed events, %d login.throttled events counting %d refused attempts",
		len(failed), len(throttled), refused)
	if len(failed)+refused != attempts {
		t.Errorf("the trail accounts for %d failed + %d refused = %d attempts, want %d", len(failed), refused, len(failed)+refused, attempts)
	}
	if want := attempts - int(hashes); refused < want {
		t.Errorf("login.throttled events count %d refused attempts; %d never reached the hasher", refused, want)
	}
	if len(throttled) > 3*len(targets)+4 {
		t.Errorf("%d login.throttled events for %d targets: the refusals are not folded", len(throttled), len(targets))
	}

	// ONE alert, a password spray, whose evidence counts the attempts.
	var list struct {
		Alerts []monitor.Alert `json:"alerts"`
	}
	if st := do(t, srv, "GET", "/api/v1/compliance/alerts", compTok, "", &list); st != http.StatusOK {
		t.Fatalf("alerts: %d", st)
	}
	if raised != 1 || len(list.Alerts) != 1 {
		t.Fatalf("%d alerts raised, %d listed, want one: %+v", raised, len(list.Alerts), list.Alerts)
	}
	a := list.Alerts[0]
	t.Logf("alert: %s %s %q, %d events, %d attempts, %d accounts, addresses %v", a.Rule, a.Severity, a.Subject,
		a.Evidence.Events, a.Evidence.Attempts, len(a.Evidence.Accounts), a.Evidence.Addresses)
	if a.Rule != monitor.RulePasswordSpray || a.Severity != monitor.SeverityHigh || a.Subject != "address:127.0.0.1" {
		t.Errorf("alert %s %s %q, want password_spray high on address:127.0.0.1", a.Rule, a.Severity, a.Subject)
	}
	if a.Evidence.Attempts != attempts {
		t.Errorf("the alert's evidence counts %d attempts, want %d", a.Evidence.Attempts, attempts)
	}
	if len(a.Evidence.Accounts) != len(targets) {
		t.Errorf("the alert names %d accounts, want %d", len(a.Evidence.Accounts), len(targets))
	}
}
