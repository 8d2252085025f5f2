package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
)

// TestClientKeepsDeviceSecret: the client keeps the secret the server
// issued its device and signs in with it again as the same device; a
// client without it, naming the same device id, is issued another.
func TestClientKeepsDeviceSecret(t *testing.T) {
	ctx := context.Background()
	base, a, _, _, _ := startServer(t)
	secret := a.DeviceSecret("client-test-ana")
	if !strings.HasPrefix(secret, "ward_d_") {
		t.Fatalf("kept device secret %q", secret)
	}
	req := client.LoginRequest{Email: "ana@ct.example", Password: "ana passphrase long enough",
		Device: client.Device{ID: "client-test-ana", Name: "ana's laptop"}}
	res, err := a.Login(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeviceSecret != "" || a.DeviceSecret("client-test-ana") != secret {
		t.Errorf("signing in again with the kept secret issued %q (kept %q), want the same device", res.DeviceSecret, a.DeviceSecret("client-test-ana"))
	}
	other := client.New(base, client.Options{InsecureSkipVerify: true})
	res, err = other.Login(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeviceSecret == "" || res.DeviceSecret == secret {
		t.Errorf("a client without the secret got device secret %q, want a new device's", res.DeviceSecret)
	}
}
