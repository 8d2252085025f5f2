package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/server"
)

// TestServeInvitesByEmail (issue 22): ward serve --smtp keeps its mailer.
// A nurse invites a patient by email through the running server; the
// test's SMTP server receives the invitation (the clinic, a link, no PHI);
// the patient opens the link, asks for the email code, accepts over HTTPS
// and signs in afterwards with the password they chose.
func TestServeInvitesByEmail(t *testing.T) {
	ctx := context.Background()
	in := mailtest.Start(t)
	cfg := server.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", SMTP: in.URL}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Invite Clinic", AdminEmail: "owner@invite.example", Password: "invite owner passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: "nurse@invite.example", Name: "N", Role: ward.RoleStaff, Password: "invite nurse passphrase"}); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	base, stop := startSealServer(t, cfg)
	defer stop()
	nurse := client.New(base, client.Options{InsecureSkipVerify: true})
	nres, err := nurse.Login(ctx, client.LoginRequest{Email: "nurse@invite.example", Password: "invite nurse passphrase", Device: client.Device{ID: "nurse-desk", Name: "desk"}})
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ ID string }
	call(t, base, nres.Token, "POST", "/api/v1/patients", `{"mrn":"CANARY-INV-9","given_name":"Zebulon","family_name":"Quixotic","birth_date":"1944-04-04","email":"zq@patients.example"}`, &rec)
	var inv struct{ ID, Link string }
	call(t, base, nres.Token, "POST", "/api/v1/patients/"+rec.ID+"/invitations", `{"channel":"email"}`, &inv)
	body := in.Last(t, "zq@patients.example")
	for _, phi := range []string{"Zebulon", "Quixotic", "1944", "CANARY-INV"} {
		if strings.Contains(body, phi) {
			t.Errorf("the invitation mail holds %q", phi)
		}
	}
	m := regexp.MustCompile(`(https://\S+)/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil || m[1] != base {
		t.Fatalf("no link to %s in:\n%s", base, body)
	}
	token := m[2]
	public := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := insecureClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	if st, raw := public("GET", "/api/v1/invitations/"+token, ""); st != 200 || !bytes.Contains(raw, []byte(`"clinic":"Invite Clinic"`)) || bytes.Contains(raw, []byte("Zebulon")) {
		t.Fatalf("look-up: %d %s", st, raw)
	}
	if st, raw := public("POST", "/api/v1/invitations/"+token+"/email-code", "{}"); st != 202 {
		t.Fatalf("email-code: %d %s", st, raw)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(in.Last(t, "zq@patients.example"))[1]
	st, raw := public("POST", "/api/v1/invitations/"+token+"/accept",
		`{"password":"zq chose this passphrase","email_code":"`+code+`","device":{"id":"zq-phone-1","name":"phone"}}`)
	var signed struct {
		Token string
		User  struct{ Role string }
	}
	if json.Unmarshal(raw, &signed); st != 201 || signed.Token == "" || signed.User.Role != "patient" {
		t.Fatalf("accept: %d %s", st, raw)
	}
	patient := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := patient.Login(ctx, client.LoginRequest{Email: "zq@patients.example", Password: "zq chose this passphrase", Device: client.Device{ID: "zq-phone-2", Name: "phone"}}); err != nil {
		t.Errorf("the patient signs in: %v", err)
	}
}
