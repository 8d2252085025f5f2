package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/archive/jobs"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/server"
)

// exportWard is a data dir with an org, a compliance officer (cora), a
// clinician (ana) and a conversation about patient MRN EX-1 with a few
// messages, made through server.Open (the server is not running).
func exportWard(t *testing.T) (cfg server.Config, patientID string) {
	t.Helper()
	ctx := context.Background()
	cfg = server.Config{DataDir: filepath.Join(t.TempDir(), "data"), Addr: "127.0.0.1:0", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	org, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Export Test", AdminEmail: "owner@ex.example", Password: "owner passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	for who, role := range map[string]ward.Role{"cora": ward.RoleCompliance, "ana": ward.RoleClinician, "ben": ward.RoleClinician} {
		if _, err := env.App.AddUser(ctx, org.Slug, app.NewUser{Email: who + "@ex.example", Name: who, Role: role,
			Password: who + " passphrase long enough"}); err != nil {
			t.Fatal(err)
		}
	}
	ana, ben := principal(t, env, "ana"), principal(t, env, "ben")
	rec, err := env.Patients.Create(ctx, ana, patients.Fields{MRN: "EX-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := env.App.CreateConversation(ctx, ana, app.NewConversation{Kind: ward.Group, Title: "follow-up", Members: []string{ben.User.ID}, PatientID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if _, _, err := env.App.SendMessage(ctx, ana, conv.ID, app.SendRequest{ClientID: fmt.Sprint("ex-", i), Body: fmt.Sprint("CANARY-export-9931 note ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return cfg, rec.ID
}

// principal signs who in on env and authenticates the session.
func principal(t *testing.T, env *server.Env, who string) *app.Principal {
	t.Helper()
	ctx := context.Background()
	res, err := env.App.Login(ctx, app.LoginRequest{Email: who + "@ex.example", Password: who + " passphrase long enough",
		DeviceID: "export-test-" + who, DeviceName: who + "'s desk", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.App.Authenticate(ctx, res.Token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serve runs ward on cfg until stop (or the test's end).
func serve(t *testing.T, cfg server.Config) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	cfg.Started = func(addr string) { addrc <- addr }
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case addr := <-addrc:
		base = "https://" + addr
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server stopped with %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return base, stop
}

func signIn(t *testing.T, base, who string) *client.Client {
	t.Helper()
	c := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := c.Login(context.Background(), client.LoginRequest{Email: who + "@ex.example", Password: who + " passphrase long enough",
		Device: client.Device{ID: "export-client-" + who, Name: who + "'s laptop"}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitExport polls export id until it ends, and returns it with the
// percentages seen on the way.
func waitExport(t *testing.T, c *client.Client, id string) (*client.ExportJob, []float64) {
	t.Helper()
	var seen []float64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		j, err := c.Export(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, j.Percent)
		if j.Status != "queued" && j.Status != "running" {
			return j, seen
		}
	}
	t.Fatalf("export %s did not end", id)
	return nil, nil
}

// verifyDownload downloads export id and verifies it with the identity.
func verifyDownload(t *testing.T, c *client.Client, j *client.ExportJob, id *age.X25519Identity) archive.Report {
	t.Helper()
	var buf bytes.Buffer
	n, err := c.DownloadExport(context.Background(), j.ID, &buf)
	if err != nil || n != j.Size {
		t.Fatalf("download: %d bytes of %d, %v", n, j.Size, err)
	}
	if bytes.Contains(buf.Bytes(), []byte("CANARY")) {
		t.Fatal("the archive holds the canary in plaintext")
	}
	rep, err := archive.Verify(&buf, []age.Identity{id}, nil, nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if rep.Manifest.ID != j.ArchiveID {
		t.Fatalf("the archive is %s, the job says %s", rep.Manifest.ID, j.ArchiveID)
	}
	return rep
}

// TestClientExportJob: over HTTP against a running ward, a compliance
// officer starts an export by MRN, watches it reach 100 percent, downloads
// it and verifies it; bad input and the owner are refused.
func TestClientExportJob(t *testing.T) {
	ctx := context.Background()
	cfg, patientID := exportWard(t)
	base, _ := serve(t, cfg)
	cora, owner := signIn(t, base, "cora"), client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ex.example", Password: "owner passphrase long",
		Device: client.Device{ID: "export-client-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.StartExport(ctx, client.ExportRequest{MRN: "EX-1", Recipient: id.Recipient().String()}); client.Code(err) != "forbidden" {
		t.Fatalf("the owner exports: %v", err)
	}
	if _, err := cora.StartExport(ctx, client.ExportRequest{MRN: "EX-1"}); client.Code(err) != "invalid_input" {
		t.Fatalf("an export without a key: %v", err)
	}
	if _, err := cora.StartExport(ctx, client.ExportRequest{MRN: "EX-1", From: "2001-01-01", To: "2001-02-01", Recipient: id.Recipient().String()}); client.Code(err) != "not_found" {
		t.Fatalf("an export of a range with no data: %v", err)
	}
	j, err := cora.StartExport(ctx, client.ExportRequest{MRN: "EX-1", Recipient: id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if j.Selection.PatientID != patientID || j.Messages != 30 {
		t.Fatalf("started %+v", j)
	}
	done, seen := waitExport(t, cora, j.ID)
	if done.Status != "done" || done.Percent != 100 || done.Counts == nil || done.Counts.Messages != 30 {
		t.Fatalf("finished %+v (seen %v)", done, seen)
	}
	rep := verifyDownload(t, cora, done, id)
	if rep.Manifest.Counts.Messages != 30 || rep.Manifest.Selection.PatientID != patientID {
		t.Fatalf("manifest %+v", rep.Manifest)
	}
	if list, err := cora.Exports(ctx); err != nil || len(list) != 1 || list[0].Status != "done" {
		t.Fatalf("exports %+v %v", list, err)
	}
	if _, err := cora.CancelExport(ctx, j.ID); client.Code(err) != "conflict" {
		t.Fatalf("cancelling a finished export: %v", err)
	}
}

// TestExportResumesAfterRestart: an export that was running when ward
// stopped (its run held before it wrote the archive, a partial file left
// behind) is run again from the start when ward starts on the same data
// dir (the real SQLite file reopened), and completes: the officer
// downloads and verifies it.
func TestExportResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	cfg, _ := exportWard(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}

	// The first process: the job starts and is running when it stops.
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	running := make(chan string, 1)
	r := jobs.New(jobs.Config{Store: env.Store, Keyring: env.Keyring, Blobs: blobs, Dir: filepath.Join(cfg.DataDir, "archives"),
		Patients: env.Patients, Hold: func(ctx context.Context, job string) error {
			running <- job
			<-ctx.Done()
			return ctx.Err()
		}})
	j, err := r.Start(ctx, principal(t, env, "cora"), jobs.StartRequest{MRN: "EX-1", Recipient: id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	<-running
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "archives"), 0o700); err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(cfg.DataDir, "archives", "."+j.ID+".partial")
	if err := os.WriteFile(partial, []byte("half an archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}

	// The restart: ward resumes the job and completes it.
	base, _ := serve(t, cfg)
	cora := signIn(t, base, "cora")
	done, _ := waitExport(t, cora, j.ID)
	if done.Status != "done" || done.Attempts != 2 || done.Percent != 100 {
		t.Fatalf("after the restart %+v", done)
	}
	verifyDownload(t, cora, done, id)
	entries, _ := os.ReadDir(filepath.Join(cfg.DataDir, "archives"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != j.ID+".age" {
		t.Fatalf("the archive folder holds %v", names)
	}
}
