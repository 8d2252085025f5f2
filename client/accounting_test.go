package client_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/archive"
)

// The Go client asks for an accounting of disclosures as a compliance
// officer (JSON, CSV and PDF agree), logs a request with its deadline, and
// reads the conformance report as the owner, signed.
func TestClientAccountingAndReport(t *testing.T) {
	ctx := context.Background()
	base, ana, ben, _, benID := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/users", strings.NewReader(
		`{"email":"cora@ct.example","name":"Cora","role":"compliance","password":"cora passphrase long enough"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+owner.Token())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("add a compliance officer: %v %v", resp, err)
	}
	resp.Body.Close()
	cora := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := cora.Login(ctx, client.LoginRequest{Email: "cora@ct.example", Password: "cora passphrase long enough",
		Device: client.Device{ID: "client-test-cora", Name: "cora's laptop"}}); err != nil {
		t.Fatal(err)
	}
	rec, err := ana.CreatePatient(ctx, client.PatientFields{MRN: "CT-ACC", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	conv, err := ana.CreateConversation(ctx, client.NewConversation{Kind: "group", Title: "follow-up", Members: []string{benID}, PatientID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Send(ctx, conv.ID, client.SendRequest{ClientID: "acc-1", Body: "BP stable"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ben.Messages(ctx, conv.ID, 0, 50); err != nil {
		t.Fatal(err)
	}

	a, err := cora.ProduceAccounting(ctx, client.AccountingQuery{MRN: "CT-ACC"})
	if err != nil {
		t.Fatal(err)
	}
	if a.PatientID != rec.ID || !a.Deadline.Equal(a.RequestedAt.Add(60*24*time.Hour)) {
		t.Fatalf("accounting %+v", a)
	}
	read := false
	for _, e := range a.Entries {
		if e.UserID == benID && e.Action == "message.read" {
			read = true
		}
	}
	if !read {
		t.Fatalf("ben's read is not listed: %+v", a.Entries)
	}
	csvFile, err := cora.AccountingFile(ctx, client.AccountingQuery{MRN: "CT-ACC"}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(csvFile)).ReadAll()
	if err != nil || len(rows) < len(a.Entries)+1 || rows[0][0] != "time" {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}
	pdf, err := cora.AccountingFile(ctx, client.AccountingQuery{PatientID: rec.ID}, "pdf")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("pdf: %v", err)
	}
	if _, err := cora.ProduceAccounting(ctx, client.AccountingQuery{MRN: "NO-SUCH"}); client.Code(err) != "unknown_patient" {
		t.Fatalf("an unknown MRN: %v", err)
	}
	if _, err := owner.ProduceAccounting(ctx, client.AccountingQuery{MRN: "CT-ACC"}); client.Code(err) != "forbidden" {
		t.Fatalf("the owner: %v", err)
	}
	asked := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	r, err := cora.LogAccountingRequest(ctx, client.AccountingQuery{MRN: "CT-ACC", RequestedAt: asked.Format(time.RFC3339)})
	if err != nil || !r.Deadline.Equal(asked.Add(60*24*time.Hour)) || r.AnsweredAt != nil {
		t.Fatalf("log a request: %+v %v", r, err)
	}
	rs, err := cora.AccountingRequests(ctx)
	if err != nil || len(rs) != 4 {
		t.Fatalf("requests: %d %v", len(rs), err)
	}

	rep, err := owner.ConformanceReport(ctx)
	if err != nil || len(rep.Sections) == 0 || rep.Pass == 0 {
		t.Fatalf("report: %+v %v", rep, err)
	}
	content, sig, err := owner.ConformanceReportFile(ctx, "pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.VerifyDetached(content, sig, nil); err != nil {
		t.Fatalf("the report's signature: %v", err)
	}
	if _, _, err := ana.ConformanceReportFile(ctx, "html"); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician: %v", err)
	}
}
