package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
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
	"github.com/wardhealth/ward/internal/httpapi"
)

// loopbackClient is an HTTP client whose connections leave from the given
// loopback address (127.0.0.2 …), so the server sees distinct sources.
func loopbackClient(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: 16, DisableCompression: true}}
}

// TestPasswordSprayIsThrottled: 10,000 sign-in attempts with wrong
// passwords over 100 accounts (and some that do not exist) from eight source
// addresses, over real loopback sockets, are answered mostly 429 with
// Retry-After; none succeeds; the throttle lets only a bounded number reach
// the password hasher; and real users, one of them among the sprayed
// accounts, still sign in from another address at once. (The fixture's clock
// stands still, so blocks never run out during the test: the counts do not
// depend on the machine's speed.)
func TestPasswordSprayIsThrottled(t *testing.T) {
	f := apptest.New(t, false)
	h := httpapi.New(httpapi.Config{App: f.App})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	const accounts, attempts, sources, workersPerSource = 100, 10_000, 8, 4
	emails := make([]string, accounts)
	pw := "the real passphrase of this account"
	for i := range emails {
		emails[i] = fmt.Sprintf("sprayed%03d@stmary.example", i)
		if _, err := f.App.AddUser(ctx, f.Org.Slug, app.NewUser{Email: emails[i], Name: "Sprayed", Role: ward.RoleStaff, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	bystander, bystanderPW := f.AddUser(t, ward.RoleClinician, "real.user@stmary.example", "Real User")

	// Can this machine dial from 127.0.0.2? (Linux routes all of 127/8.)
	if c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).Dial("tcp", srv.Listener.Addr().String()); err != nil {
		t.Skipf("cannot dial from 127.0.0.2 here: %v", err)
	} else {
		c.Close()
	}

	var next atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var missingRetryAfter, notProblem int
	var wg sync.WaitGroup
	for s := range sources {
		hc := loopbackClient(fmt.Sprintf("127.0.0.%d", 2+s))
		for w := range workersPerSource {
			wg.Go(func() {
				for {
					k := next.Add(1) - 1
					if k >= attempts {
						return
					}
					email := emails[k%accounts]
					if k%10 == 9 {
						email = fmt.Sprintf("nobody%d@stmary.example", k) // accounts that do not exist
					}
					body := fmt.Sprintf(`{"email":%q,"password":"Spring2026!%d","device":{"id":"spray-%d-%d","name":"spray"}}`, email, k, s, w)
					resp, err := hc.Post(srv.URL+"/api/v1/sessions", "application/json", strings.NewReader(body))
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					statuses[resp.StatusCode]++
					if resp.Header.Get("Content-Type") != "application/problem+json" {
						notProblem++
					}
					if resp.StatusCode == http.StatusTooManyRequests {
						if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
							missingRetryAfter++
						}
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	t.Logf("spray: %d attempts from %d addresses over %d accounts: answers %v", attempts, sources, accounts, statuses)

	total := 0
	for _, n := range statuses {
		total += n
	}
	if total != attempts {
		t.Fatalf("%d answers for %d attempts", total, attempts)
	}
	if statuses[http.StatusCreated]+statuses[http.StatusOK] > 0 {
		t.Errorf("a spray attempt signed in")
	}
	if statuses[http.StatusTooManyRequests] < attempts*9/10 {
		t.Errorf("only %d of %d attempts throttled (429)", statuses[http.StatusTooManyRequests], attempts)
	}
	// Each address gets its free failures (30) before it is blocked; a few
	// more slip through while its workers' first attempts are in flight.
	if reached := statuses[http.StatusUnauthorized]; reached > sources*(30+workersPerSource+1) {
		t.Errorf("%d attempts reached the password check; the address throttle should stop each source after about 30", reached)
	}
	if statuses[http.StatusTooManyRequests]+statuses[http.StatusUnauthorized] != attempts {
		t.Errorf("answers other than 401 and 429: %v", statuses)
	}
	if missingRetryAfter > 0 || notProblem > 0 {
		t.Errorf("%d 429 answers without Retry-After, %d answers not problem+json", missingRetryAfter, notProblem)
	}

	// Real people sign in from another address during the spray's blocks:
	// one whose account was not sprayed, and one whose account was.
	hc := loopbackClient("127.0.0.10")
	for _, who := range []struct{ email, pw string }{{bystander.Email, bystanderPW}, {emails[7], pw}} {
		body := fmt.Sprintf(`{"email":%q,"password":%q,"device":{"id":"real-device-%s","name":"ward web"}}`, who.email, who.pw, who.email[:6])
		resp, err := hc.Post(srv.URL+"/api/v1/sessions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("%s signing in from 127.0.0.10 during the spray: %d, want 201", who.email, resp.StatusCode)
		}
	}
}
