package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
)

// TestUserListShowsSealedPatient (issue 21, finding 21): a patient added
// with 'ward user add' is stored sealed, and 'ward user list' shows their
// name and email opened.
func TestUserListShowsSealedPatient(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	cfg := server.Config{DataDir: dir, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "List Clinic", AdminEmail: "owner@list.example",
		Password: "owner passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	env.Close()
	code, out, stderr := runWard(t, "patient passphrase long\n", "user", "add", "--data", dir, "--org", org.Slug,
		"--email", "Pat.Listed@mail.example", "--name", "Pat Listed", "--role", "patient", "--password-stdin")
	if code != 0 {
		t.Fatalf("ward user add: exit %d, out %q, err %q", code, out, stderr)
	}
	id := strings.TrimSpace(out)
	code, out, stderr = runWard(t, "", "user", "list", "--data", dir, "--org", org.Slug)
	if code != 0 {
		t.Fatalf("ward user list: exit %d, err %q", code, stderr)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, id) {
			if !strings.Contains(line, "pat.listed@mail.example") || !strings.Contains(line, "Pat Listed") {
				t.Errorf("the patient's line: %q", line)
			}
			return
		}
	}
	t.Errorf("the patient %s is not listed: %q", id, out)
}
