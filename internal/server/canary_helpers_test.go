package server_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// canaryServer is a running ward over a data dir (SQLite) or a
// PostgreSQL schema, its log captured, with one org whose owner and one
// staff member (Nina Nurse) are signed in: the stage of the canary tests,
// which send PHI canaries through it and then look for them at rest.
type canaryServer struct {
	base, dir, dbURL string
	ownerEmail       string
	owner, nurse     string // session tokens
	stop             func()
	logs, stdout     syncBuffer
}

// startCanaryServer starts ward for the org clinic, whose owner is
// owner@domain and nurse nurse@domain; smtp, when not empty, is its --smtp.
func startCanaryServer(t *testing.T, dbURL, clinic, domain, smtp string) *canaryServer {
	t.Helper()
	ctx := context.Background()
	s := &canaryServer{dir: t.TempDir(), dbURL: dbURL, ownerEmail: "owner@" + domain}
	logger := slog.New(slog.NewJSONHandler(&s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := server.Config{DataDir: s.dir, DBURL: dbURL, Addr: "127.0.0.1:0", Logger: logger, Stdout: &s.stdout, SMTP: smtp}
	const ownerPW, nursePW = "canary owner passphrase long", "canary nurse passphrase long"
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: clinic, AdminEmail: s.ownerEmail, Password: ownerPW}); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	s.base, s.stop = startSealServer(t, cfg)
	login := func(email, pw, device string) string {
		t.Helper()
		res, err := client.New(s.base, client.Options{InsecureSkipVerify: true}).Login(ctx, client.LoginRequest{Email: email,
			Password: pw, Device: client.Device{ID: device, Name: "desk"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	s.owner = login(s.ownerEmail, ownerPW, domain+"-owner")
	call(t, s.base, s.owner, "POST", "/api/v1/users", `{"email":"nurse@`+domain+`","name":"Nina Nurse","role":"staff","password":"`+nursePW+`"}`, nil)
	s.nurse = login("nurse@"+domain, nursePW, domain+"-nurse")
	return s
}

// stopAndSearch looks for every canary, as it is, upper-cased and as hex,
// in every file of the data dir (on SQLite the database and its WAL) and
// on PostgreSQL in every row of every table of the schema, while the
// server runs and again after it stopped; then in the log, as it is and
// URL-escaped. The owner's email, stored in the clear, is the control that
// the search finds what is there.
func (s *canaryServer) stopAndSearch(t *testing.T, canaries map[string]string) {
	t.Helper()
	if s.dbURL == "" {
		if _, err := os.Stat(filepath.Join(s.dir, store.SQLiteFile+"-wal")); err != nil {
			t.Fatalf("no WAL to search: %v", err)
		}
	}
	s.search(t, "while serving", canaries)
	s.stop()
	s.search(t, "after stopping", canaries)
	out := s.logs.String() + s.stdout.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("the log does not hold the request lines; is it captured? %.300s", out)
	}
	for field, c := range canaries {
		if strings.Contains(out, c) || strings.Contains(out, url.QueryEscape(c)) {
			t.Errorf("the %s canary %q is in the log", field, c)
		}
	}
}

func (s *canaryServer) search(t *testing.T, when string, canaries map[string]string) {
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
		control = control || bytes.Contains(data, []byte(s.ownerEmail)) || bytes.Contains(data, []byte(hex.EncodeToString([]byte(s.ownerEmail))))
	}
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
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
	if s.dbURL != "" {
		for table, data := range dumpSchema(t, s.dbURL) {
			check("table "+table, data)
		}
	}
	if !control {
		t.Fatalf("%s: the owner's email is in no file or table: the search does not work", when)
	}
}
