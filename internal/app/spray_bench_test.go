package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/auth"
)

// BenchmarkLoginDuringSpray measures real users signing in at 20 logins/s
// (production argon2id parameters) while a password spray runs flat out
// from 8 addresses (4 workers each) against 20 accounts and unknown emails,
// on the real clock, so the throttle's blocks expire and the spray comes
// back after each. It reports the real users' p50 and p99, the spray's
// attempts/s and how many of its attempts were answered 401 (a wrong
// password, after a hash; the rest waited for the hasher or got 429).
// Budget: the login latency budget, p99 ≤ 250 ms.
func BenchmarkLoginDuringSpray(b *testing.B) {
	f := MustFixture(b, false)
	hasher, err := auth.NewHasher(auth.DefaultParams(), auth.DefaultConcurrency)
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(app.Config{Store: f.Store, Keyring: f.Keyring, Audit: f.Recorder, Hasher: hasher})
	if err != nil {
		b.Fatal(err)
	}
	const users, sprayed, sources, workers = 20, 20, 8, 4
	pw := "bench passphrase for everyone"
	ctx := context.Background()
	for i := range users + sprayed {
		email := fmt.Sprintf("u%d@stmary.example", i)
		if i >= users {
			email = fmt.Sprintf("sprayed%d@stmary.example", i)
		}
		if _, err := a.AddUser(ctx, f.Org.Slug, app.NewUser{Email: email, Name: "U", Role: ward.RoleStaff, Password: pw}); err != nil {
			b.Fatal(err)
		}
	}

	sprayCtx, stopSpray := context.WithCancel(ctx)
	var attempts, checked atomic.Int64
	var spray sync.WaitGroup

	for s := range sources {
		for w := range workers {
			spray.Go(func() {
				for k := 0; sprayCtx.Err() == nil; k++ {
					email := fmt.Sprintf("sprayed%d@stmary.example", users+k%sprayed)
					if k%4 == 3 {
						email = fmt.Sprintf("nobody%d@stmary.example", k)
					}
					_, err := a.Login(sprayCtx, app.LoginRequest{Email: email, Password: fmt.Sprintf("Winter2026!%d", k),
						DeviceID: fmt.Sprintf("spray-device-%d-%d", s, w), DeviceName: "spray", IP: fmt.Sprintf("203.0.113.%d", s)})
					attempts.Add(1)
					if ward.ErrorCode(err) == ward.CodeUnauth {
						checked.Add(1) // a wrong password, answered 401 after a hash
					} else {
						time.Sleep(time.Millisecond) // a 429 costs the server next to nothing; do not spin the test's CPU
					}
				}
			})
		}
	}

	n := max(b.N, 100)
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	b.ResetTimer()
	for i := range n {
		<-tick.C
		wg.Go(func() {
			t0 := time.Now()
			_, err := a.Login(ctx, app.LoginRequest{Email: fmt.Sprintf("u%d@stmary.example", i%users), Password: pw,
				DeviceID: fmt.Sprintf("bench-device-%d", i%users), DeviceName: "bench", IP: fmt.Sprintf("10.1.0.%d", i%200)})
			lat[i] = time.Since(t0)
			if err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	elapsed := time.Since(start)
	stopSpray()
	spray.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(attempts.Load())/elapsed.Seconds(), "spray_attempts/s")
	b.ReportMetric(float64(checked.Load()), "spray_401s")
}
