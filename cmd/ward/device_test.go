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

// TestDeviceUnlockCommand: 'ward device unlock' lets a locked device sign
// in again, audited; a wiped one it refuses.
func TestDeviceUnlockCommand(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	cfg := server.Config{DataDir: dir, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Unlock Clinic", AdminEmail: "owner@unlock.example",
		Password: "owner passphrase long", MFARequired: false})
	if err != nil {
		t.Fatal(err)
	}
	login := func() (app.LoginResult, error) {
		return env.App.Login(ctx, app.LoginRequest{Email: "owner@unlock.example", Password: "owner passphrase long",
			DeviceID: "owner-laptop-1", DeviceName: "laptop", IP: "127.0.0.1"})
	}
	res, err := login()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := env.App.SystemPrincipal(ctx, org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.ActOnDevice(ctx, sys, res.Device.ID, app.LockDevice); err != nil {
		t.Fatal(err)
	}
	env.Close()

	code, out, stderr := runWard(t, "", "device", "unlock", "--data", dir, "--org", org.Slug, "--id", res.Device.ID)
	if code != 0 || !strings.Contains(out, "status active") {
		t.Fatalf("ward device unlock: exit %d, out %q, err %q", code, out, stderr)
	}
	code, _, stderr = runWard(t, "", "device", "unlock", "--data", dir, "--org", org.Slug, "--id", res.Device.ID)
	if code == 0 || !strings.Contains(stderr, "only a locked device") {
		t.Errorf("unlocking an active device: exit %d, err %q", code, stderr)
	}
	if code, _, stderr := runWard(t, "", "device", "wipe", "--data", dir, "--org", org.Slug, "--id", res.Device.ID); code != 0 {
		t.Fatalf("ward device wipe: exit %d, err %q", code, stderr)
	}
	code, _, stderr = runWard(t, "", "device", "unlock", "--data", dir, "--org", org.Slug, "--id", res.Device.ID)
	if code == 0 || !strings.Contains(stderr, "wiped device cannot be unlocked") {
		t.Errorf("unlocking a wiped device: exit %d, err %q", code, stderr)
	}
}
