package bench

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
)

// user is one benchmark user.
type user struct {
	idx     int
	email   string
	id      string
	c       *client.Client
	sockets int // sockets opened for this user
}

// conv is one conversation and its members (user indexes).
type conv struct {
	id      string
	members []int
	// recipients[k] is how many members other than members[k] have a
	// socket: the deliveries one message from members[k] should make.
	recipients []int
}

func runID() string {
	b := make([]byte, 4)
	crand.Read(b)
	return hex.EncodeToString(b)
}

const benchPassword = "bench passphrase, long enough"

// createLocal creates the org and users directly through the app on a data
// dir that no server has open yet. Users are added concurrently; the app's
// password hasher bounds how many hashes run at once.
func createLocal(ctx context.Context, cfg Config, dataDir, run string) (slug string, emails []string, err error) {
	env, err := server.Open(ctx, server.Config{DataDir: dataDir, DBURL: cfg.DBURL,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return "", nil, err
	}
	defer env.Close()
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Bench " + run, AdminEmail: "owner@" + run + ".bench.example",
		Password: benchPassword})
	if err != nil {
		return "", nil, fmt.Errorf("create org: %w", err)
	}
	emails = userEmails(cfg.Users, run)
	err = forEach(ctx, len(emails), 8, func(i int) error {
		_, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: emails[i], Name: fmt.Sprintf("Bench User %d", i),
			Role: ward.RoleClinician, Password: benchPassword})
		return err
	})
	return org.Slug, emails, err
}

func userEmails(n int, run string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%05d@%s.bench.example", i, run)
	}
	return out
}

// createRemote creates the users through the API as the org's admin.
func createRemote(ctx context.Context, cfg Config, hc *http.Client, run string) ([]string, error) {
	admin := client.New(cfg.Target, client.Options{HTTPClient: hc})
	if _, err := admin.Login(ctx, client.LoginRequest{Org: cfg.Org, Email: cfg.AdminEmail, Password: cfg.AdminPassword,
		Device: client.Device{ID: "ward-bench-admin-" + run, Name: "ward bench"}}); err != nil {
		return nil, fmt.Errorf("admin sign-in: %w", err)
	}
	emails := userEmails(cfg.Users, run)
	err := forEach(ctx, len(emails), 4, func(i int) error {
		body, _ := json.Marshal(map[string]string{"email": emails[i], "name": fmt.Sprintf("Bench User %d", i),
			"role": string(ward.RoleClinician), "password": benchPassword})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.Target+"/api/v1/users", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin.Token())
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("create user: %d %s", resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	})
	return emails, err
}

// forEach runs fn(0..n-1) with at most par at once and returns the first
// error.
func forEach(ctx context.Context, n, par int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(par, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return first
}

// login signs every user in, each on a client of its own, and times each
// sign-in.
// User i signs in (and so sends and opens its sockets) on bases[i % len(bases)].
func login(ctx context.Context, cfg Config, bases []string, org, run string, emails []string, insecure bool) ([]*user, *hist, time.Duration, error) {
	users := make([]*user, len(emails))
	h := new(hist)
	start := time.Now()
	err := forEach(ctx, len(emails), cfg.LoginConcurrency, func(i int) error {
		c := client.New(bases[i%len(bases)], client.Options{InsecureSkipVerify: insecure})
		t0 := time.Now()
		res, err := c.Login(ctx, client.LoginRequest{Org: org, Email: emails[i], Password: benchPassword,
			Device: client.Device{ID: fmt.Sprintf("ward-bench-%s-%d", run, i), Name: "ward bench"}})
		if err != nil {
			return fmt.Errorf("sign-in of %s: %w", emails[i], err)
		}
		h.record(time.Since(t0))
		if len(res.EnrollmentRequired) > 0 {
			return fmt.Errorf("sign-in of %s: the org requires %v first; use an org with MFA optional", emails[i], res.EnrollmentRequired)
		}
		users[i] = &user{idx: i, email: emails[i], id: res.User.ID, c: c}
		if cfg.SendOver == "ws" {
			c.CloseIdleConnections() // it sends over its socket: no file held per user
		}
		return nil
	})
	return users, h, time.Since(start), err
}

// conversations creates one direct conversation per user (with the next
// user) and Users/GroupSize groups (at least one) of GroupSize random
// members.
func conversations(ctx context.Context, cfg Config, users []*user) (direct, groups []*conv, err error) {
	n := len(users)
	direct = make([]*conv, n)
	if n == 2 {
		direct = direct[:1]
	}
	ng := 0
	if cfg.GroupRatio > 0 {
		ng = max(1, n/cfg.GroupSize)
	}
	groups = make([]*conv, ng)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range groups {
		groups[i] = &conv{members: r.Perm(n)[:cfg.GroupSize]}
	}
	for i := range direct {
		direct[i] = &conv{members: []int{i, (i + 1) % n}}
	}
	all := append(append([]*conv(nil), direct...), groups...)
	err = forEach(ctx, len(all), 8, func(i int) error {
		cv := all[i]
		req := client.NewConversation{Kind: "direct"}
		if len(cv.members) > 2 {
			req = client.NewConversation{Kind: "group", Title: fmt.Sprintf("bench group %d", i)}
		}
		for _, m := range cv.members[1:] {
			req.Members = append(req.Members, users[m].id)
		}
		creator := users[cv.members[0]].c
		got, err := creator.CreateConversation(ctx, req)
		if err != nil {
			return fmt.Errorf("create conversation: %w", err)
		}
		if cfg.SendOver == "ws" {
			creator.CloseIdleConnections()
		}
		cv.id = got.ID
		return nil
	})
	return direct, groups, err
}

// countRecipients fills in each conversation's expected deliveries once
// the sockets are placed.
func countRecipients(users []*user, convs ...[]*conv) {
	for _, list := range convs {
		for _, cv := range list {
			cv.recipients = make([]int, len(cv.members))
			for k, s := range cv.members {
				for _, m := range cv.members {
					if m != s && users[m].sockets > 0 {
						cv.recipients[k]++
					}
				}
			}
		}
	}
}
