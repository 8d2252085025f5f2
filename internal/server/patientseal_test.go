package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// TestCanaryPatientIdentityNeverStoredInPlaintext (issue 21, finding 21)
// creates a patient through the API with a canary name and email, and
// looks for both in every file of the data dir (the database and its WAL,
// while the server runs and after it stopped) and in the log. The patient
// still signs in by email, with the org and without; /api/v1/me and the
// admin directory still show the name and email. A clinician made patient
// gets sealed, and made clinician again gets them back in the clear.
func TestCanaryPatientIdentityNeverStoredInPlaintext(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs, stdout syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := make([]byte, 8)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	canaryName := "CanaryPatient Name-" + tag
	canaryEmail := "canary.patient." + tag + "@patients.example"
	const ownerEmail, ownerPW, patientPW = "owner@seal.example", "seal owner passphrase long", "seal patient passphrase long"

	cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", Logger: logger, Stdout: &stdout}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Seal Clinic", AdminEmail: ownerEmail, Password: ownerPW})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	base, stop := startSealServer(t, cfg)

	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	ores, err := owner.Login(ctx, client.LoginRequest{Email: ownerEmail, Password: ownerPW, Device: client.Device{ID: "seal-owner", Name: "desk"}})
	if err != nil {
		t.Fatal(err)
	}
	var created client.User
	call(t, base, ores.Token, "POST", "/api/v1/users", `{"email":"`+strings.ToUpper(canaryEmail)+`","name":"`+canaryName+
		`","role":"patient","password":"`+patientPW+`"}`, &created)
	if created.Email != canaryEmail || created.Name != canaryName || created.Role != "patient" {
		t.Fatalf("created: %+v", created)
	}

	// Sign-in by email, with the org and without, and /api/v1/me.
	for i, slug := range []string{org.Slug, ""} {
		pc := client.New(base, client.Options{InsecureSkipVerify: true})
		res, err := pc.Login(ctx, client.LoginRequest{Org: slug, Email: " " + canaryEmail, Password: patientPW,
			Device: client.Device{ID: "seal-patient-" + string(rune('a'+i)), Name: "phone"}})
		if err != nil {
			t.Fatalf("patient sign-in (org %q): %v", slug, err)
		}
		if res.User.ID != created.ID || res.User.Email != canaryEmail || res.User.Name != canaryName {
			t.Errorf("sign-in answer (org %q): %+v", slug, res.User)
		}
		me, err := pc.Me(ctx)
		if err != nil || me.User.Email != canaryEmail || me.User.Name != canaryName {
			t.Errorf("/api/v1/me of the patient: %+v %v", me, err)
		}
	}
	if _, err := client.New(base, client.Options{InsecureSkipVerify: true}).Login(ctx, client.LoginRequest{Email: canaryEmail,
		Password: "a wrong passphrase", Device: client.Device{ID: "seal-patient-x", Name: "phone"}}); client.Code(err) != string(ward.CodeUnauth) {
		t.Errorf("a wrong password: %v", err)
	}

	// The admin directory shows the name and email.
	dirUser := func(id string) client.User {
		t.Helper()
		users, err := owner.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.ID == id {
				return u
			}
		}
		t.Fatalf("user %s is not in the directory", id)
		return client.User{}
	}
	if u := dirUser(created.ID); u.Email != canaryEmail || u.Name != canaryName {
		t.Errorf("directory: %+v", u)
	}

	// A clinician made patient is sealed, and made clinician again unsealed.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFile)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	row := func(id string) (email, name string, sealed bool) {
		t.Helper()
		if err := db.QueryRow("SELECT email, name, email_sealed IS NOT NULL AND name_sealed IS NOT NULL FROM users WHERE id = ?", id).
			Scan(&email, &name, &sealed); err != nil {
			t.Fatal(err)
		}
		return email, name, sealed
	}
	if email, name, sealed := row(created.ID); !strings.HasPrefix(email, "bi1:") || name != "" || !sealed {
		t.Errorf("the patient's row: email %q, name %q, sealed %v", email, name, sealed)
	}
	const movedEmail, movedName, movedPW = "moved.clinician@seal.example", "Moved Clinician", "moved clinician passphrase"
	var moved client.User
	call(t, base, ores.Token, "POST", "/api/v1/users", `{"email":"`+movedEmail+`","name":"`+movedName+
		`","role":"clinician","password":"`+movedPW+`"}`, &moved)
	if email, name, sealed := row(moved.ID); email != movedEmail || name != movedName || sealed {
		t.Errorf("a clinician's row: email %q, name %q, sealed %v", email, name, sealed)
	}
	var changed client.User
	call(t, base, ores.Token, "PATCH", "/api/v1/users/"+moved.ID, `{"role":"patient"}`, &changed)
	if changed.Email != movedEmail || changed.Name != movedName || changed.Role != "patient" {
		t.Errorf("made patient: %+v", changed)
	}
	if email, name, sealed := row(moved.ID); !strings.HasPrefix(email, "bi1:") || name != "" || !sealed {
		t.Errorf("made patient, the row: email %q, name %q, sealed %v", email, name, sealed)
	}
	if u := dirUser(moved.ID); u.Email != movedEmail || u.Name != movedName {
		t.Errorf("made patient, the directory: %+v", u)
	}
	mc := client.New(base, client.Options{InsecureSkipVerify: true})
	if res, err := mc.Login(ctx, client.LoginRequest{Email: movedEmail, Password: movedPW, Device: client.Device{ID: "seal-moved", Name: "phone"}}); err != nil || res.User.Name != movedName {
		t.Fatalf("made patient, sign-in: %+v %v", res, err)
	}
	call(t, base, ores.Token, "PATCH", "/api/v1/users/"+moved.ID, `{"role":"clinician","name":"Moved Back"}`, &changed)
	if changed.Email != movedEmail || changed.Name != "Moved Back" || changed.Role != "clinician" {
		t.Errorf("made clinician again: %+v", changed)
	}
	if email, name, sealed := row(moved.ID); email != movedEmail || name != "Moved Back" || sealed {
		t.Errorf("made clinician again, the row: email %q, name %q, sealed %v", email, name, sealed)
	}
	// A staff account cannot take a patient's email, in either form.
	call(t, base, ores.Token, "POST", "/api/v1/users", `{"email":"`+canaryEmail+`","name":"Taken","role":"clinician","password":"`+movedPW+`"}`, nil)
	users, err := owner.Users(ctx)
	if err != nil || len(users) != 3 {
		t.Errorf("after creating a clinician with a patient's email: %d users, %v", len(users), err)
	}

	scan := func(when string) {
		t.Helper()
		control := false
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, c := range []string{canaryName, canaryEmail, strings.ToUpper(canaryEmail)} {
				if bytes.Contains(data, []byte(c)) {
					t.Errorf("%s: %q is in %s", when, c, filepath.Base(path))
				}
			}
			control = control || bytes.Contains(data, []byte(ownerEmail))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !control {
			t.Fatalf("%s: the owner's email is in no file: the search does not work", when)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err != nil {
		t.Fatalf("no WAL to search: %v", err)
	}
	scan("while serving")
	db.Close()
	stop()
	scan("after stopping")
	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("the log does not hold the request lines; is it captured? %.300s", out)
	}
	for _, c := range []string{canaryName, canaryEmail, strings.ToUpper(canaryEmail)} {
		if strings.Contains(out, c) || strings.Contains(stdout.String(), c) {
			t.Errorf("%q is in the log", c)
		}
	}
}

// startSealServer runs ward serve with cfg until the test ends or the
// returned stop is called; it returns the server's base URL.
func startSealServer(t *testing.T, cfg server.Config) (string, func()) {
	t.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	cfg.Started = func(a string) { addrc <- a }
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, cfg) }()
	var base string
	select {
	case a := <-addrc:
		base = "https://" + a
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return base, stop
}
