package httpapi_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/archive"
)

// fetch sends a request with token and returns the status, the headers and the body.
func (e *env) fetch(t *testing.T, method, path, token, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The accounting answers JSON, CSV and PDF with their types; the report
// answers its signed HTML (no script allowed by its CSP) and PDF.
func TestAccountingAndReportRoutes(t *testing.T) {
	e := newEnv(t)
	comp, admin := e.roleToken(t, ward.RoleCompliance), e.roleToken(t, ward.RoleAdmin)
	nurse := e.roleToken(t, ward.RoleStaff)
	if st, _ := e.request(t, "POST", "/api/v1/patients", nurse, `{"mrn":"HT-1","given_name":"Rae","family_name":"Record","birth_date":"1970-01-01"}`, nil); st != 201 {
		t.Fatalf("create a patient: %d", st)
	}
	for format, typ := range map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"} {
		st, hdr, body := e.fetch(t, "POST", "/api/v1/compliance/accounting", comp, `{"mrn":"HT-1","format":"`+format+`"}`)
		if st != 200 || hdr.Get("Content-Type") != typ {
			t.Fatalf("%s: %d %s %.200s", format, st, hdr.Get("Content-Type"), body)
		}
		if format != "json" && !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: Content-Disposition %q", format, hdr.Get("Content-Disposition"))
		}
		if format == "csv" && !strings.Contains(body, "created the patient's record") {
			t.Errorf("csv: %s", body)
		}
	}
	st, hdr, body := e.fetch(t, "GET", "/api/v1/compliance/report?format=html", admin, "")
	if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("html: %d %v", st, hdr)
	}
	sig, err := base64.StdEncoding.DecodeString(hdr.Get("Ward-Signature"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.VerifyDetached([]byte(body), sig, nil); err != nil {
		t.Fatalf("the HTML's signature: %v", err)
	}
	if !strings.Contains(body, "164.312(e)(2)(ii)") || strings.Contains(body, "<script") {
		t.Errorf("html body: %.300s", body)
	}
}
