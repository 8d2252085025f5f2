package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// TestCanaryNeverStoredInPlaintext sends a unique string as a title, a
// topic and a message body, and looks for it in every file of the data
// dir: the database and its WAL, before and after a checkpoint. The client
// id, which is not PHI and is stored as is, shows that the search works.
func TestCanaryNeverStoredInPlaintext(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	b := make([]byte, 12)
	rand.Read(b)
	canary := "CANARY-" + hex.EncodeToString(b)
	control := "client-" + hex.EncodeToString(b)
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician)
	c, _, err := f.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Title: "title " + canary,
		Topic: canary, Members: []string{bob.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		f.send(t, alice, c.ID, control+strconv.Itoa(i), "body "+canary+" "+strconv.Itoa(i))
	}
	m, _, err := f.App.SendMessage(ctx, bob, c.ID, app.SendRequest{ClientID: "urgent", Body: canary, Priority: ward.Urgent})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Receipts().Acknowledge(ctx, alice, m.ID); err != nil {
		t.Fatal(err)
	}
	if msgs, err := f.App.ListMessages(ctx, bob, c.ID, 0, 0); err != nil || len(msgs) != 21 || msgs[0].Body != "body "+canary+" 0" {
		t.Fatalf("round trip: %d messages, %v", len(msgs), err)
	}
	if got, _ := f.App.GetConversation(ctx, bob, c.ID); got.Title != "title "+canary {
		t.Fatalf("title %q", got.Title)
	}
	scan := func(when string) {
		t.Helper()
		found := false
		err := filepath.WalkDir(f.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(canary)) {
				t.Errorf("%s: the canary is in %s", when, filepath.Base(path))
			}
			found = found || bytes.Contains(data, []byte(control))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			t.Fatalf("%s: the control string is in no file: the search does not work", when)
		}
	}
	if _, err := os.Stat(filepath.Join(f.Dir, "ward.db-wal")); err != nil {
		t.Fatalf("no WAL to search: %v", err)
	}
	scan("before a checkpoint")
	f.Recorder.Close()
	if err := f.Store.Close(); err != nil { // checkpoints the WAL into the database file
		t.Fatal(err)
	}
	scan("after a checkpoint")
}
