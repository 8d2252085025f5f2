package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestCanaryOutsideMessageNeverStoredInPlaintext (issue 22, secure
// messages to outside addresses): through a running server with --smtp
// pointing at the test's SMTP server, a nurse writes to an outside address
// with a canary body; the guest opens the mailed link with the mailed code
// and replies with a canary; neither body, nor the address, appears in any
// file of the data dir (the SQLite database and its WAL, while serving and
// after stopping), in any PostgreSQL table, or in the log; the mails hold
// neither body.
func TestCanaryOutsideMessageNeverStoredInPlaintext(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { outsideCanary(t, "") })
	t.Run("postgres", func(t *testing.T) { outsideCanary(t, storetest.PostgresURL(t)) })
}

func outsideCanary(t *testing.T, dbURL string) {
	ctx := context.Background()
	dir := t.TempDir()
	in := mailtest.Start(t)
	var logs, stdout syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := make([]byte, 8)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	addr := "canary.outside." + tag + "@referrer.example"
	canaries := map[string]string{"body": "CanaryOutsideBody" + tag, "reply": "CanaryGuestReply" + tag, "email": addr}
	const ownerEmail, ownerPW, nursePW = "owner@outside.example", "outside owner passphrase long", "outside nurse passphrase long"
	cfg := server.Config{DataDir: dir, DBURL: dbURL, Addr: "127.0.0.1:0", Logger: logger, Stdout: &stdout, SMTP: in.URL}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Outside Clinic", AdminEmail: ownerEmail, Password: ownerPW}); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	base, stop := startSealServer(t, cfg)
	login := func(email, pw, device string) string {
		t.Helper()
		res, err := client.New(base, client.Options{InsecureSkipVerify: true}).Login(ctx, client.LoginRequest{Email: email,
			Password: pw, Device: client.Device{ID: device, Name: "desk"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	owner := login(ownerEmail, ownerPW, "outside-owner")
	call(t, base, owner, "POST", "/api/v1/users", `{"email":"nurse@outside.example","name":"Nina Nurse","role":"staff","password":"`+nursePW+`"}`, nil)
	nurse := login("nurse@outside.example", nursePW, "outside-nurse")

	var sent struct {
		ConversationID string `json:"conversation_id"`
	}
	call(t, base, nurse, "POST", "/api/v1/outside-messages", fmt.Sprintf(`{"email":%q,"body":%q}`, addr, canaries["body"]), &sent)
	mail := in.Last(t, addr)
	m := regexp.MustCompile(`/outside/([A-Za-z0-9_-]+)`).FindStringSubmatch(mail)
	if m == nil || !strings.Contains(mail, "Outside Clinic") {
		t.Fatalf("the mail:\n%s", mail)
	}
	token := m[1]
	public := func(path, body string) {
		t.Helper()
		resp, err := insecureClient().Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	public("/api/v1/outside/"+token+"/email-code", "")
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(in.Last(t, addr))[1]
	var opened struct{ Token string }
	resp, err := insecureClient().Post(base+"/api/v1/outside/"+token+"/open", "application/json",
		strings.NewReader(`{"email_code":"`+code+`","device":{"id":"guest-browser-1","name":"browser"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeJSON(resp, &opened); err != nil || resp.StatusCode != http.StatusCreated || opened.Token == "" {
		t.Fatalf("open: %d %v", resp.StatusCode, err)
	}
	var msgs struct{ Messages []struct{ Body string } }
	call(t, base, opened.Token, "GET", "/api/v1/conversations/"+sent.ConversationID+"/messages", "", &msgs)
	if len(msgs.Messages) != 1 || msgs.Messages[0].Body != canaries["body"] {
		t.Fatalf("the guest reads %+v", msgs)
	}
	call(t, base, opened.Token, "POST", "/api/v1/conversations/"+sent.ConversationID+"/messages", `{"client_id":"r1","body":"`+canaries["reply"]+`"}`, &struct{}{})
	var status struct {
		Outside []struct{ Status string } `json:"outside_messages"`
	}
	call(t, base, nurse, "GET", "/api/v1/outside-messages", "", &status)
	if len(status.Outside) != 1 || status.Outside[0].Status != "replied" {
		t.Fatalf("the sender sees %+v", status)
	}
	for _, ml := range in.All() {
		for _, c := range []string{canaries["body"], canaries["reply"], "Nina"} {
			if strings.Contains(ml.Body, c) {
				t.Errorf("a mail holds %q", c)
			}
		}
	}

	scan := func(when string) {
		t.Helper()
		control := false
		check := func(where string, data []byte) {
			for field, c := range canaries {
				for _, form := range []string{c, hex.EncodeToString([]byte(c))} {
					if bytes.Contains(bytes.ToUpper(data), []byte(strings.ToUpper(form))) {
						t.Errorf("%s: the %s canary %q is in %s", when, field, c, where)
					}
				}
			}
			control = control || bytes.Contains(data, []byte(ownerEmail)) || bytes.Contains(data, []byte(hex.EncodeToString([]byte(ownerEmail))))
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			check(filepath.Base(path), data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if dbURL != "" {
			for table, data := range dumpSchema(t, dbURL) {
				check("table "+table, data)
			}
		}
		if !control {
			t.Fatalf("%s: the owner's email is in no file or table: the search does not work", when)
		}
	}
	if dbURL == "" {
		if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err != nil {
			t.Fatalf("no WAL to search: %v", err)
		}
	}
	scan("while serving")
	stop()
	scan("after stopping")
	out := logs.String() + stdout.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("the log does not hold the request lines; is it captured? %.300s", out)
	}
	for field, c := range canaries {
		if strings.Contains(out, c) {
			t.Errorf("the %s canary %q is in the log", field, c)
		}
	}
}

func decodeJSON(resp *http.Response, out any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}
