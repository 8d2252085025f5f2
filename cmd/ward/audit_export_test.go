package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
)

// Without --from and --to, ward audit export takes the last 30 days (today
// included, as the console does) and says so on stderr.
func TestAuditExportDefaultRange(t *testing.T) {
	ctx := context.Background()
	data := auditData(t, 0)
	addSealedEvents(t, data, 4, time.Now().AddDate(0, 0, -40)) // outside the default range
	addSealedEvents(t, data, 6, time.Time{})                   // today
	var stdout, stderr bytes.Buffer
	if err := runAudit(ctx, []string{"export", "--data", data}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("export without a range: %v", err)
	}
	end := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	want := "the last 30 days, today included: exporting " + end.AddDate(0, 0, -30).Format(time.RFC3339) + " to " + end.Format(time.RFC3339)
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "exported 6 events") {
		t.Fatalf("stderr %q, want %q and 6 events", stderr.String(), want)
	}
	if n := strings.Count(stdout.String(), "\n"); n != 6 {
		t.Fatalf("%d lines exported, want the 6 of today", n)
	}
	// Only --from: up to the end of today.
	stderr.Reset()
	from := time.Now().AddDate(0, 0, -50).Format(time.DateOnly)
	if err := runAudit(ctx, []string{"export", "--data", data, "--from", from}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "no --to: up to the end of today") || !strings.Contains(stderr.String(), "exported 11 events") {
		t.Fatalf("stderr %q, want 11 events (10 and the first export's audit.exported)", stderr.String())
	}
}

// Sign-ins for unknown accounts carry no org, so no org's console shows
// them: operators find them with ward audit export --action login.failed.
func TestUnknownAccountFailuresVisible(t *testing.T) {
	ctx := context.Background()
	data := auditData(t, 0)
	env, err := server.Open(ctx, server.Config{DataDir: data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.App.Login(ctx, app.LoginRequest{Email: "nobody@nowhere.example", Password: "a guess long enough",
		DeviceID: "device-x", DeviceName: "x", IP: "203.0.113.7"})
	if ward.ErrorCode(err) != ward.CodeUnauth {
		t.Fatalf("login of an unknown account: %v", err)
	}
	env.Close()
	var stdout, stderr bytes.Buffer
	if err := runAudit(ctx, []string{"export", "--data", data, "--action", "login.failed"}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rec); err != nil {
		t.Fatalf("want one event: %q (%v)", stdout.String(), err)
	}
	if rec["action"] != "login.failed" || rec["org_id"] != "" || rec["reason"] != "unknown account" || rec["actor_ip"] != "203.0.113.7" {
		t.Fatalf("event %v", rec)
	}
	if strings.Contains(stdout.String(), "nobody@") {
		t.Fatal("the email reached the audit trail")
	}
	if err := runAudit(ctx, []string{"export", "--data", data, "--action", "login.bogus"}, nil, &stdout, &stderr); !errors.As(err, new(usageError)) {
		t.Fatalf("an unknown action: %v", err)
	}
}
