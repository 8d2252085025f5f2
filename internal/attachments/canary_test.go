package attachments_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/app"
)

// TestAttachmentCanary uploads a file whose name and content carry a unique
// string, sends, lists and downloads it, and then reads the raw bytes of
// every file under the data dir: the database, its WAL and shm, and the
// blob folder, before and after a checkpoint. The canary is in none of
// them; the client id, stored as is, shows that the search works.
func TestAttachmentCanary(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	b := make([]byte, 12)
	rand.Read(b)
	canary := "CANARY-" + hex.EncodeToString(b)
	control := "client-" + hex.EncodeToString(b)
	content := []byte(strings.Repeat("lab note "+canary+"\n", 20_000)) // several chunks
	att := e.mustUpload(t, e.alice, canary+".txt", content)
	if att.Name != canary+".txt" {
		t.Fatalf("name %q", att.Name)
	}
	if _, _, err := e.f.App.SendMessage(ctx, e.alice, e.conv.ID, app.SendRequest{ClientID: control, Body: "see file",
		AttachmentIDs: []string{att.ID}}); err != nil {
		t.Fatal(err)
	}
	if msgs, err := e.f.App.ListMessages(ctx, e.bob, e.conv.ID, 0, 0); err != nil || msgs[0].Attachments[0].Name != canary+".txt" {
		t.Fatalf("list: %v", err)
	}
	if _, data, err := e.download(e.bob, att.ID); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("download: %v", err)
	}
	scan := func(when string) {
		t.Helper()
		found, blobs := false, 0
		err := filepath.WalkDir(e.f.DataDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(canary)) {
				t.Errorf("%s: the canary is in %s", when, path)
			}
			if strings.Contains(path, string(filepath.Separator)+"blobs"+string(filepath.Separator)) {
				blobs++
			}
			found = found || bytes.Contains(data, []byte(control))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !found || blobs != 1 {
			t.Fatalf("%s: control string found %v, %d blobs: the search does not work", when, found, blobs)
		}
	}
	for _, name := range []string{"ward.db-wal", "ward.db"} {
		if _, err := os.Stat(filepath.Join(e.f.DataDir, name)); err != nil {
			t.Fatalf("nothing to search: %v", err)
		}
	}
	scan("before a checkpoint")
	e.f.Recorder.Close()
	if err := e.f.Store.Close(); err != nil { // checkpoints the WAL into the database file
		t.Fatal(err)
	}
	scan("after a checkpoint")
}
