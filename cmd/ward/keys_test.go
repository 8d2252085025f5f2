package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

func TestKeysRotateAndStatus(t *testing.T) {
	ctx := context.Background()
	t.Setenv(keyring.EnvVar, "")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")

	var out, errOut bytes.Buffer
	err := runKeys(ctx, []string{"status", "--data", data}, nil, &out, &errOut)
	if err == nil {
		t.Fatal("keys status on a missing data dir succeeded")
	}
	if _, _, err := server.Migrate(ctx, server.Config{DataDir: data}); err != nil {
		t.Fatal(err)
	}
	err = runKeys(ctx, []string{"status", "--data", data}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "master key file") {
		t.Fatalf("keys status without a key file: %v; want it to refuse, not create one", err)
	}
	if _, err := os.Stat(filepath.Join(data, keyring.KeyFileName)); err == nil {
		t.Fatal("keys status created a master key file")
	}

	// Seal data as ward serve would.
	type sealed struct {
		ref keyring.Ref
		ct  []byte
	}
	var rows []sealed
	withKeyring(t, data, func(kr *keyring.Keyring) {
		for i := range 7 {
			ref := keyring.Ref{Org: "o1", Scope: fmt.Sprint("conv:", i), Record: "m1", Field: "body"}
			ct, err := kr.Seal(ctx, ref, []byte(fmt.Sprint("message ", i)))
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, sealed{ref, ct})
		}
	})

	for _, args := range [][]string{
		{"rotate", "--data", data, "--batch", "3"},
		{"rotate", "--data", data, "--master"},
		{"status", "--data", data},
	} {
		out.Reset()
		errOut.Reset()
		if err := runKeys(ctx, args, nil, &out, &errOut); err != nil {
			t.Fatalf("ward keys %v: %v\nstderr: %s", args, err, errOut.String())
		}
		t.Logf("ward keys %s\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "o1") || !strings.Contains(out.String(), "v2") {
		t.Errorf("status does not show o1 at KEK v2:\n%s", out.String())
	}
	withKeyring(t, data, func(kr *keyring.Keyring) {
		for i, r := range rows {
			pt, err := kr.Open(ctx, r.ref, r.ct)
			if err != nil || string(pt) != fmt.Sprint("message ", i) {
				t.Fatalf("row %d after rotations: %q, %v", i, pt, err)
			}
		}
	})

	for _, args := range [][]string{{}, {"spin"}, {"rotate", "--master", "--org", "o1", "--data", data}} {
		err := runKeys(ctx, args, nil, &out, &errOut)
		if !errors.As(err, new(usageError)) {
			t.Errorf("ward keys %v: %v, want a usage error", args, err)
		}
	}
}

func withKeyring(t *testing.T, data string, fn func(*keyring.Keyring)) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := keyring.FileProvider(data)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	fn(kr)
}
