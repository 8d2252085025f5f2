package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/store"
)

// attAPI is a running API with a direct conversation between the clinician
// (doc) and the staff member (nurse); the patient is not in it.
type attAPI struct {
	*env
	doc, nurse, pat string // tokens
	conv            string
}

func newAttAPI(t *testing.T) *attAPI {
	t.Helper()
	a := &attAPI{env: newEnv(t)}
	a.doc = a.token(t, a.email[ward.RoleClinician], a.pw[ward.RoleClinician])
	a.nurse = a.token(t, a.email[ward.RoleStaff], a.pw[ward.RoleStaff])
	a.pat = a.token(t, a.email[ward.RolePatient], a.pw[ward.RolePatient])
	ctx := context.Background()
	pDoc, err := a.f.App.Authenticate(ctx, a.doc, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pNurse, err := a.f.App.Authenticate(ctx, a.nurse, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := a.f.App.CreateConversation(ctx, pDoc, app.NewConversation{Kind: ward.Direct, Members: []string{pNurse.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	a.conv = c.ID
	return a
}

// upload posts content as a raw body; header "" sends the name as ?name=.
func (a *attAPI) upload(t *testing.T, srv, token, name string, viaHeader bool, body io.Reader, size int64) (*http.Response, map[string]any) {
	t.Helper()
	u := srv + "/api/v1/conversations/" + a.conv + "/attachments"
	if !viaHeader {
		u += "?name=" + urlQueryEscape(name)
	}
	req, _ := http.NewRequest("POST", u, body)
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/pdf") // a lie: the server sniffs
	if viaHeader {
		req.Header.Set("X-Filename", "UTF-8''"+pathEscape(name))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func pathEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func urlQueryEscape(s string) string { return pathEscape(s) }

func (a *attAPI) get(t *testing.T, srv, path, token string) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, data, err
}

// pngFile is n (>= 57) bytes of a PNG's chunk structure (signature, IHDR,
// one IDAT of random data, IEND): no metadata to strip, stored as is.
func pngFile(n int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	b = binary.BigEndian.AppendUint32(b, uint32(n-57))
	b = append(b, "IDAT"...)
	data := make([]byte, n-57)
	rand.Read(data)
	b = append(b, data...)
	return append(b, "\x00\x00\x00\x00\x00\x00\x00\x00IEND\xaeB`\x82"...)
}

func (a *attAPI) blobFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(a.f.DataDir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return err
	})
	return out
}

func TestAttachmentAPI(t *testing.T) {
	a := newAttAPI(t)
	srv := a.srv.URL
	content := pngFile(150_000)
	resp, att := a.upload(t, srv, a.doc, "Wound résumé.png", true, bytes.NewReader(content), int64(len(content)))
	if resp.StatusCode != http.StatusCreated || att["name"] != "Wound résumé.png" || att["content_type"] != "image/png" ||
		att["size"] != float64(len(content)) || att["conversation_id"] != a.conv {
		t.Fatalf("upload: %d %v", resp.StatusCode, att)
	}
	id := att["id"].(string)
	conv := "/api/v1/conversations/" + a.conv
	status, m := msgCall(t, a.env, "POST", conv+"/messages", a.doc, fmt.Sprintf(`{"client_id":"c1","body":"photo","attachment_ids":[%q]}`, id))
	if status != http.StatusCreated || len(m["attachments"].([]any)) != 1 {
		t.Fatalf("send: %d %v", status, m)
	}
	status, list := msgCall(t, a.env, "GET", conv+"/messages", a.nurse, "")
	msgs := list["messages"].([]any)
	if status != http.StatusOK || len(msgs) != 1 {
		t.Fatalf("list: %d %v", status, list)
	}
	listed := msgs[0].(map[string]any)["attachments"].([]any)[0].(map[string]any)
	if listed["id"] != id || listed["name"] != "Wound résumé.png" || listed["content_type"] != "image/png" || listed["size"] != float64(len(content)) {
		t.Fatalf("listed %v", listed)
	}

	resp, data, err := a.get(t, srv, "/api/v1/attachments/"+id, a.nurse)
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(data, content) {
		t.Fatalf("download: %d %v, %d bytes", resp.StatusCode, err, len(data))
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/png",
		"Content-Length":         fmt.Sprint(len(content)),
		"Content-Disposition":    `attachment; filename="Wound r_sum_.png"; filename*=UTF-8''Wound%20r%C3%A9sum%C3%A9.png`,
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if resp, _, _ := a.get(t, srv, "/api/v1/attachments/"+id+"?inline=1", a.nurse); !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline; ") {
		t.Errorf("inline image: %q", resp.Header.Get("Content-Disposition"))
	}
	// Not a member: not found, and nothing of the file.
	if resp, data, _ := a.get(t, srv, "/api/v1/attachments/"+id, a.pat); resp.StatusCode != http.StatusNotFound || bytes.Contains(data, content[8:100]) {
		t.Errorf("the patient, not a member: %d", resp.StatusCode)
	}
	if resp, p := a.upload(t, srv, a.pat, "x.png", true, bytes.NewReader(content), int64(len(content))); resp.StatusCode != http.StatusNotFound || p["code"] != "not_found" {
		t.Errorf("the patient uploads: %d %v", resp.StatusCode, p)
	}

	// Text through ?name=: an HTML name is defused, inline is refused for text.
	resp, txt := a.upload(t, srv, a.doc, "notes.html", false, strings.NewReader("plain words"), -1)
	if resp.StatusCode != http.StatusCreated || txt["name"] != "notes.html.txt" || txt["content_type"] != "text/plain; charset=utf-8" {
		t.Fatalf("text upload: %d %v", resp.StatusCode, txt)
	}
	resp, data, _ = a.get(t, srv, "/api/v1/attachments/"+txt["id"].(string)+"?inline=1", a.doc)
	if string(data) != "plain words" || resp.Header.Get("Content-Disposition") != `attachment; filename="notes.html.txt"; filename*=UTF-8''notes.html.txt` {
		t.Errorf("text download: %q %q", data, resp.Header.Get("Content-Disposition"))
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestAttachmentAPITooLarge(t *testing.T) {
	a := newAttAPI(t)
	ctx := context.Background()
	limit := a.f.App.Attachments().MaxSize()
	before, err := a.f.Store.Snapshot(ctx, "attachments", "messages")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		size int64 // the Content-Length sent; -1: chunked
	}{
		{"declared", limit + 1},
		{"chunked", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := io.MultiReader(bytes.NewReader(pngFile(100)), io.LimitReader(zeroReader{}, limit))
			u := a.srv.URL + "/api/v1/conversations/" + a.conv + "/attachments?name=big.png"
			req, _ := http.NewRequest("POST", u, body)
			req.ContentLength = tc.size
			req.Header.Set("Authorization", "Bearer "+a.doc)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			var p struct{ Code string }
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || p.Code != "too_large" {
				t.Errorf("got %d %s, want 413 too_large", resp.StatusCode, p.Code)
			}
			if files := a.blobFiles(t); len(files) != 0 {
				t.Errorf("left in the blob folder: %v", files)
			}
		})
	}
	if after, _ := a.f.Store.Snapshot(ctx, "attachments", "messages"); after != before {
		t.Error("the database changed")
	}
}

// TestAttachmentAPITampered alters a sent attachment's blob: early damage
// is a 500 integrity problem, late damage cuts the connection; neither
// passes for the file.
func TestAttachmentAPITampered(t *testing.T) {
	a := newAttAPI(t)
	content := pngFile(400_000)
	for _, tc := range []struct {
		name  string
		at    func(n int) int
		early bool
	}{
		{"first chunk", func(n int) int { return 100 }, true},
		{"sixth chunk", func(n int) int { return n - 100 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, att := a.upload(t, a.srv.URL, a.doc, "x.png", true, bytes.NewReader(content), int64(len(content)))
			id := att["id"].(string)
			var row store.Attachment
			a.f.Store.Read(context.Background(), func(tx *store.Tx) error {
				var err error
				row, err = tx.AttachmentByID(context.Background(), a.f.Org.ID, id)
				return err
			})
			var path string
			for _, f := range a.blobFiles(t) {
				if filepath.Base(f) == row.BlobKey {
					path = f
				}
			}
			blob, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			blob[tc.at(len(blob))] ^= 0x40
			os.WriteFile(path, blob, 0o600)
			resp, data, err := a.get(t, a.srv.URL, "/api/v1/attachments/"+id, a.doc)
			if tc.early {
				var p struct{ Code string }
				json.Unmarshal(data, &p)
				if resp.StatusCode != http.StatusInternalServerError || p.Code != "integrity" {
					t.Errorf("got %d %s, want 500 integrity", resp.StatusCode, p.Code)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || err == nil {
				t.Fatalf("late damage: %d, read error %v: the client cannot tell", resp.StatusCode, err)
			}
			if len(data) >= len(content) || !bytes.HasPrefix(content, data) {
				t.Errorf("got %d bytes that are not a prefix of the file", len(data))
			}
		})
	}
}

// syncBuffer is a log destination tests read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAttachmentAPICanary sends a unique string as a file name and as the
// file's content through the API with debug logging on: it is in no log
// line and in no file under the data dir.
func TestAttachmentAPICanary(t *testing.T) {
	a := newAttAPI(t)
	var logs syncBuffer
	h := httpapi.New(httpapi.Config{App: a.f.App, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	srv := httptest.NewServer(h)
	defer srv.Close()
	b := make([]byte, 12)
	rand.Read(b)
	canary := "CANARY-" + hex.EncodeToString(b)
	content := []byte("result: " + canary + "\n")
	resp, att := a.upload(t, srv.URL, a.doc, canary+".txt", true, bytes.NewReader(content), int64(len(content)))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %v", resp.StatusCode, att)
	}
	resp, att2 := a.upload(t, srv.URL, a.doc, canary+"-2.txt", false, bytes.NewReader(content), -1)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload by query: %d %v", resp.StatusCode, att2)
	}
	if resp, data, _ := a.get(t, srv.URL, "/api/v1/attachments/"+att["id"].(string), a.doc); resp.StatusCode != 200 || !bytes.Equal(data, content) {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "/attachments") {
		t.Fatalf("no access log to search: %q", logs.String())
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("the canary is in the log")
	}
	filepath.WalkDir(a.f.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte(canary)) {
			t.Errorf("the canary is in %s", path)
		}
		return err
	})
}
