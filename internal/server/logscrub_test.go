package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsCarryNoSecrets runs a real server with debug logging (and the
// http.Server error log, which goes to the same handler) through a scenario
// full of canary PHI and secrets: passwords (right and wrong), a TOTP
// secret and code, recovery codes, a session token, a conversation title
// and topic, message bodies, a rejected body, a token in a bad header, and
// ids and query strings with canaries. None of them may appear in the log
// or the start banner.
func TestLogsCarryNoSecrets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs, stdout syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	canaries := map[string]string{
		"owner password":  "CanaryOwnerPass-7f3a91 long",
		"nurse password":  "CanaryNursePass-52be0c long",
		"nurse2 password": "CanaryNurse2Pass-a1d7e4 long",
		"wrong password":  "CanaryWrongPass-0c9d33",
		"new password":    "CanaryNewPass-e81f27 longer",
		"title":           "CanaryTitle-Jane-Doe-MRN-4471",
		"topic":           "CanaryTopic-HIV-status",
		"body":            "CanaryBody-Dx-C34.1-lung",
		"urgent body":     "CanaryUrgent-K-6.9",
		"rejected body":   "CanaryRejected-SSN-078-05-1120",
		"header token":    "ward_s_CanaryHeaderToken",
		"path id":         "CanaryPathId-9d1",
		"query":           "CanaryQuery-5e0",
	}

	// The org and two clinicians, made the way ward init and ward user add do.
	cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", Logger: logger, Stdout: &stdout}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Scrub Clinic", AdminEmail: "owner@scrub.example", Password: canaries["owner password"]})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []string{"nurse@scrub.example", "nurse2@scrub.example"} {
		pw := canaries[[]string{"nurse password", "nurse2 password"}[i]]
		if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: e, Name: "Nurse", Role: ward.RoleClinician, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}

	runCtx, stop := context.WithCancel(ctx)
	addrc := make(chan string, 1)
	cfg.Started = func(a string) { addrc <- a }
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, cfg) }()
	var base string
	select {
	case a := <-addrc:
		base = "https://" + a
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	device := client.Device{ID: "scrub-device-1", Name: "scrub"}
	// Failed sign-ins with a canary password.
	anon := client.New(base, client.Options{InsecureSkipVerify: true})
	for range 3 {
		_, err := anon.Login(ctx, client.LoginRequest{Email: "nurse@scrub.example", Password: canaries["wrong password"], Device: device})
		if client.Code(err) != string(ward.CodeUnauth) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	nurse := client.New(base, client.Options{InsecureSkipVerify: true})
	res, err := nurse.Login(ctx, client.LoginRequest{Email: "nurse@scrub.example", Password: canaries["nurse password"], Device: device})
	if err != nil {
		t.Fatal(err)
	}
	canaries["session token"] = res.Token
	nurse2 := client.New(base, client.Options{InsecureSkipVerify: true})
	res2, err := nurse2.Login(ctx, client.LoginRequest{Email: "nurse2@scrub.example", Password: canaries["nurse2 password"], Device: client.Device{ID: "scrub-device-2", Name: "scrub"}})
	if err != nil {
		t.Fatal(err)
	}
	canaries["second session token"] = res2.Token

	// TOTP enrolment: the secret, a wrong code, the right code, recovery codes.
	var enrol struct{ Secret, OTPAuthURL string }
	call(t, base, res.Token, "POST", "/api/v1/mfa/totp", "", &enrol)
	if enrol.Secret == "" {
		t.Fatal("no TOTP secret")
	}
	canaries["totp secret"] = enrol.Secret
	call(t, base, res.Token, "POST", "/api/v1/mfa/totp/confirm", `{"code":"000000"}`, nil)
	code, err := totp.GenerateCode(enrol.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var rc struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	call(t, base, res.Token, "POST", "/api/v1/mfa/totp/confirm", `{"code":"`+code+`"}`, &rc)
	if len(rc.RecoveryCodes) == 0 {
		t.Fatal("TOTP confirmation gave no recovery codes")
	}
	for i, c := range rc.RecoveryCodes {
		canaries["recovery code "+string(rune('a'+i))] = c
	}

	// Messaging: a titled group conversation, messages, a refused send.
	conv, err := nurse.CreateConversation(ctx, client.NewConversation{Kind: "group", Title: canaries["title"], Members: []string{res2.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	call(t, base, res.Token, "POST", "/api/v1/conversations", `{"kind":"group","title":"x","topic":"`+canaries["topic"]+`","members":["`+res2.User.ID+`"]}`, nil)
	sock, err := nurse2.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	if _, err := nurse.Send(ctx, conv.ID, client.SendRequest{ClientID: "scrub-1", Body: canaries["body"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := nurse.Send(ctx, conv.ID, client.SendRequest{ClientID: "scrub-2", Body: canaries["urgent body"], Priority: "urgent"}); err != nil {
		t.Fatal(err)
	}
	if _, err := nurse.Send(ctx, conv.ID, client.SendRequest{ClientID: "scrub-1", Body: canaries["rejected body"]}); client.Code(err) != string(ward.CodeConflict) {
		t.Fatalf("reused client_id: %v", err)
	}
	call(t, base, res.Token, "POST", "/api/v1/conversations/"+conv.ID+"/messages", `{"client_id":"scrub-3","body":"`+canaries["rejected body"]+`","bogus":1}`, nil)
	call(t, base, res.Token, "POST", "/api/v1/conversations/"+conv.ID+"/messages", `{"client_id":"scrub-4","body":"`+canaries["rejected body"]+`\xff"}`, nil)
	if _, err := nurse2.Messages(ctx, conv.ID, 0, 50); err != nil {
		t.Fatal(err)
	}
	call(t, base, res.Token, "GET", "/api/v1/conversations/"+canaries["path id"]+"?q="+canaries["query"], "", nil)
	call(t, base, canaries["header token"], "GET", "/api/v1/me", "", nil)

	// A password change, and sign-out.
	call(t, base, res2.Token, "PUT", "/api/v1/me/password", `{"current_password":"`+canaries["nurse2 password"]+`","new_password":"`+canaries["new password"]+`"}`, nil)
	if err := nurse.Logout(ctx); err != nil {
		t.Fatal(err)
	}

	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	done <- nil // for the deferred stop

	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) || !strings.Contains(out, "ward serving") {
		t.Fatalf("the log does not hold the request lines; is it captured? %.500s", out)
	}
	banner := stdout.String()
	if !strings.Contains(banner, "ward is serving on") {
		t.Errorf("banner: %q", banner)
	}
	for name, c := range canaries {
		for where, text := range map[string]string{"log": out, "banner": banner} {
			if strings.Contains(text, c) {
				i := strings.Index(text, c)
				t.Errorf("the %s holds the %s: …%s…", where, name, text[max(0, i-200):min(len(text), i+len(c)+50)])
			}
		}
	}
	t.Logf("%d log lines, %d bytes; %d canaries absent", strings.Count(out, "\n"), len(out), len(canaries))
}

// call sends one request with a bearer token and decodes a 2xx answer
// into out; it does not judge the status (refusals are part of the scenario).
func call(t *testing.T, base, token, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := insecureClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	} else if out != nil {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
}
