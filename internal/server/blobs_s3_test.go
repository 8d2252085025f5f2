package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/blob/blobtest"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestAttachmentsInS3 runs ward with --blobs s3://… against an S3 server
// on loopback (gofakes3): an attachment larger than one upload part goes
// into the bucket sealed (its plaintext is nowhere in the object, and
// nothing is in the data dir's blob folder), downloads whole, and its
// object goes when its message is recalled. /readyz fails once the bucket
// cannot be reached.
func TestAttachmentsInS3(t *testing.T) {
	ctx := context.Background()
	s3 := blobtest.StartS3(t, "ward-blobs")
	dir := t.TempDir()
	cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
		Blobs: "s3://ward-blobs/clinic-a", Getenv: s3.Getenv}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env.Blobs.(*blob.S3); !ok {
		t.Fatalf("the blob store is a %T", env.Blobs)
	}
	const ownerPW, nursePW = "s3 owner passphrase long", "s3 nurse passphrase long"
	if _, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "S3 Clinic", AdminEmail: "owner@s3.example", Password: ownerPW}); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	var banner syncBuffer
	cfg.Stdout = &banner
	base, stop := startSealServer(t, cfg)
	defer stop()
	if want := "attachments: s3://ward-blobs/clinic-a at " + s3.URL; !strings.Contains(banner.String(), want) {
		t.Errorf("the banner does not say %q: %s", want, banner.String())
	}
	login := func(email, pw, device string) string {
		t.Helper()
		res, err := client.New(base, client.Options{InsecureSkipVerify: true}).Login(ctx, client.LoginRequest{Email: email,
			Password: pw, Device: client.Device{ID: device, Name: "desk"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	owner := login("owner@s3.example", ownerPW, "s3-owner")
	var nurse struct{ ID string }
	call(t, base, owner, "POST", "/api/v1/users", `{"email":"nurse@s3.example","name":"Nina Nurse","role":"staff","password":"`+nursePW+`"}`, &nurse)
	nurseToken := login("nurse@s3.example", nursePW, "s3-nurse")
	var doctor struct{ ID string }
	call(t, base, owner, "POST", "/api/v1/users", `{"email":"doctor@s3.example","name":"Dan Doctor","role":"staff","password":"`+nursePW+`"}`, &doctor)
	doctorToken := login("doctor@s3.example", nursePW, "s3-doctor")
	var conv struct{ ID string }
	call(t, base, nurseToken, "POST", "/api/v1/conversations", `{"kind":"group","title":"files","members":["`+doctor.ID+`"]}`, &conv)

	// 9 MiB of text: more than one 8 MiB part, so a multipart upload.
	const canary = "S3-CANARY-lab-result-7b1e"
	plain := bytes.Repeat([]byte(canary+" hemoglobin 13.2 g/dL\n"), 9<<20/(len(canary)+22))
	req, _ := http.NewRequest("POST", base+"/api/v1/conversations/"+conv.ID+"/attachments?name=labs.txt", bytes.NewReader(plain))
	req.Header.Set("Authorization", "Bearer "+nurseToken)
	resp, err := insecureClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var att struct {
		ID   string
		Size int64
	}
	json.NewDecoder(resp.Body).Decode(&att)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || att.Size != int64(len(plain)) {
		t.Fatalf("upload: %d, %+v", resp.StatusCode, att)
	}

	objects := s3.Objects(t)
	if len(objects) != 1 {
		t.Fatalf("the bucket holds %d objects, want 1", len(objects))
	}
	for name, data := range objects {
		if !strings.HasPrefix(name, "clinic-a/") || len(data) <= len(plain) {
			t.Errorf("object %s of %d bytes, for %d bytes of plaintext", name, len(data), len(plain))
		}
		for _, form := range []string{canary, strings.ToUpper(canary), hex.EncodeToString([]byte(canary)), "hemoglobin"} {
			if bytes.Contains(data, []byte(form)) {
				t.Errorf("the object %s holds the plaintext (%q)", name, form)
			}
		}
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, string(filepath.Separator)+"blobs"+string(filepath.Separator)) {
			t.Errorf("a blob in the data dir: %s", path)
		}
		return err
	})

	var msg struct{ ID string }
	call(t, base, nurseToken, "POST", "/api/v1/conversations/"+conv.ID+"/messages",
		`{"client_id":"s3-1","body":"the labs","attachment_ids":["`+att.ID+`"]}`, &msg)
	if msg.ID == "" {
		t.Fatal("no message")
	}
	req, _ = http.NewRequest("GET", base+"/api/v1/attachments/"+att.ID, nil)
	req.Header.Set("Authorization", "Bearer "+doctorToken)
	resp, err = insecureClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("download: %d, %d bytes (%v), want the %d uploaded", resp.StatusCode, len(got), err, len(plain))
	}
	if r := get(t, base+"/readyz"); r.StatusCode != http.StatusOK {
		t.Errorf("/readyz with the bucket there: %d", r.StatusCode)
	}

	call(t, base, nurseToken, "POST", "/api/v1/messages/"+msg.ID+"/recall", "", nil)
	if left := s3.Objects(t); len(left) != 0 {
		t.Errorf("after recall the bucket holds %d objects", len(left))
	}

	s3.Close()
	resp = get(t, base+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the bucket gone: %d, want 503", resp.StatusCode)
	}
	if r := get(t, base+"/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("/healthz with the bucket gone: %d", r.StatusCode)
	}
}

// TestServeRefusesAnUnreachableBucket: a wrong --blobs stops ward at start
// with an error that names the bucket, not at the first upload.
func TestServeRefusesAnUnreachableBucket(t *testing.T) {
	s3 := blobtest.StartS3(t, "ward-blobs")
	for _, tc := range []struct {
		blobs string
		want  string
	}{
		{"s3://no-such-bucket/x", `the bucket "no-such-bucket" does not exist`},
		{"s3://ward-blobs/x?region=a", "without a query"},
		{"/srv/blobs", "--blobs takes s3://bucket/prefix"},
	} {
		_, err := server.Open(context.Background(), server.Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler),
			Blobs: tc.blobs, Getenv: s3.Getenv})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--blobs %s: %v, want %q", tc.blobs, err, tc.want)
		}
	}
}

// TestTwoNodesShareTheBucket: two nodes on one PostgreSQL database, each
// with a data dir of its own, share attachments through the bucket: a file
// uploaded and sent through node 1 downloads through node 2, and a recall
// through node 2 removes the object.
func TestTwoNodesShareTheBucket(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	s3 := blobtest.StartS3(t, "ward-cluster")
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv(keyring.EnvVar, base64.StdEncoding.EncodeToString(key))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	node := func() server.Config {
		return server.Config{DataDir: t.TempDir(), DBURL: dbURL, Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
			Blobs: "s3://ward-cluster/nodes", Getenv: s3.Getenv}
	}
	env, err := server.Open(ctx, node())
	if err != nil {
		t.Fatal(err)
	}
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Bucket Clinic", AdminEmail: "owner@bucket.example", Password: "owner passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"ana", "ben"} {
		if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: who + "@bucket.example", Name: who,
			Role: ward.RoleClinician, Password: who + " passphrase long enough"}); err != nil {
			t.Fatal(err)
		}
	}
	env.Close()
	addr1, _ := started(t, node())
	addr2, _ := started(t, node())
	login := func(addr, who string) (token, id string) {
		res, err := client.New("https://"+addr, client.Options{InsecureSkipVerify: true}).Login(ctx, client.LoginRequest{
			Email: who + "@bucket.example", Password: who + " passphrase long enough", Device: client.Device{ID: "bucket-" + who + addr, Name: who}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Token, res.User.ID
	}
	ana, _ := login(addr1, "ana")
	ben, benID := login(addr2, "ben")
	var conv struct{ ID string }
	call(t, "https://"+addr1, ana, "POST", "/api/v1/conversations", `{"kind":"direct","members":["`+benID+`"]}`, &conv)
	plain := []byte("BUCKET-CANARY: the x-ray report, shared between nodes\n")
	req, _ := http.NewRequest("POST", "https://"+addr1+"/api/v1/conversations/"+conv.ID+"/attachments?name=xray.txt", bytes.NewReader(plain))
	req.Header.Set("Authorization", "Bearer "+ana)
	resp, err := insecureClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var att struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&att)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload on node 1: %d", resp.StatusCode)
	}
	var msg struct{ ID string }
	call(t, "https://"+addr1, ana, "POST", "/api/v1/conversations/"+conv.ID+"/messages",
		`{"client_id":"bucket-1","body":"the x-ray","attachment_ids":["`+att.ID+`"]}`, &msg)

	req, _ = http.NewRequest("GET", "https://"+addr2+"/api/v1/attachments/"+att.ID, nil)
	req.Header.Set("Authorization", "Bearer "+ben)
	resp, err = insecureClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, plain) {
		t.Fatalf("download on node 2: %d %q", resp.StatusCode, got)
	}
	if objs := s3.Objects(t); len(objs) != 1 {
		t.Fatalf("the bucket holds %d objects", len(objs))
	}
	anaOn2, _ := login(addr2, "ana")
	call(t, "https://"+addr2, anaOn2, "POST", "/api/v1/messages/"+msg.ID+"/recall", "", nil)
	if objs := s3.Objects(t); len(objs) != 0 {
		t.Errorf("after a recall on node 2 the bucket holds %d objects", len(objs))
	}
}
