package server_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/server"
)

// --smtp is checked at start and logged without its password; nothing is
// sent at start (the server named here does not even listen).
func TestSMTPConfigCheckedAtStartNotSent(t *testing.T) {
	const pw = "smtp-Pa55word-never-logged"
	lw := &syncBuffer{}
	_, _ = started(t, server.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewJSONHandler(lw, nil)),
		SMTP: "smtps://mailer:" + pw + "@127.0.0.1:1?from=ward@clinic.example"})
	out := lw.String()
	if strings.Contains(out, pw) {
		t.Fatalf("the logs hold the SMTP password:\n%s", out)
	}
	if !strings.Contains(out, `"smtp":"smtps://mailer@127.0.0.1:1?from=ward%40clinic.example"`) {
		t.Errorf("the logs do not name the mail server:\n%s", out)
	}

	dir := filepath.Join(t.TempDir(), "new")
	err := server.Run(context.Background(), server.Config{DataDir: dir, Addr: "127.0.0.1:0",
		SMTP: "smtp+insecure://mailer:" + pw + "@mail.example?from=ward@clinic.example"})
	if ward.ErrorCode(err) != ward.CodeInvalid || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "--smtp") {
		t.Fatalf("a bad --smtp: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a bad --smtp left a data dir: %v", err)
	}
}
