package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
)

type auditRec struct {
	Action     string `json:"action"`
	ResourceID string `json:"resource_id"`
	Reason     string `json:"reason"`
}

// auditRecs returns every audit event so far with the given action.
func auditRecs(t *testing.T, f *Fixture, action audit.Action) []auditRec {
	t.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var out []auditRec
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r auditRec
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Action == string(action) {
			out = append(out, r)
		}
	}
	return out
}

func lastRec(t *testing.T, f *Fixture, action audit.Action) auditRec {
	t.Helper()
	recs := auditRecs(t, f, action)
	if len(recs) == 0 {
		t.Fatalf("no %s event", action)
	}
	return recs[len(recs)-1]
}

// A role grant and a disable say what changed, old -> new; a name edit
// says only that the name changed (never the name).
func TestRoleChangeAuditDetail(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	po, _ := f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner-1")
	nurse, _ := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")

	admin := ward.RoleAdmin
	if _, err := f.App.UpdateUser(ctx, po, nurse.ID, app.UserChange{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	if r := lastRec(t, f, audit.UserUpdated); r.ResourceID != nurse.ID || r.Reason != "role clinician -> admin" {
		t.Fatalf("role grant recorded as %+v", r)
	}
	yes := true
	if _, err := f.App.UpdateUser(ctx, po, nurse.ID, app.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if r := lastRec(t, f, audit.UserDisabled); r.Reason != "disabled false -> true" {
		t.Fatalf("disable recorded as %+v", r)
	}
	no, staff, name := false, ward.RoleStaff, "Nina Newname"
	if _, err := f.App.UpdateUser(ctx, po, nurse.ID, app.UserChange{Disabled: &no, Role: &staff, Name: &name}); err != nil {
		t.Fatal(err)
	}
	r := lastRec(t, f, audit.UserEnabled)
	if r.Reason != "role admin -> staff; disabled true -> false; name changed" || strings.Contains(r.Reason, "Newname") {
		t.Fatalf("enable with a role and name change recorded as %+v", r)
	}
}

// Every changed policy field is recorded with its old and new value.
func TestPolicyChangeAuditDetail(t *testing.T) {
	f := MustFixture(t, true)
	ctx := context.Background()
	po, _ := f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner-1")
	en, err := f.App.BeginTOTP(ctx, po) // MFA is required: the owner enrols first
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, f.Clock.Now())
	if _, err := f.App.ConfirmTOTP(ctx, po, code); err != nil {
		t.Fatal(err)
	}
	pol, err := f.App.Policy(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	pol.MFARequired = false
	pol.IdleTimeout = ward.Duration(30 * time.Minute)
	if _, err := f.App.UpdatePolicy(ctx, po, pol); err != nil {
		t.Fatal(err)
	}
	if r := lastRec(t, f, audit.PolicyUpdated); r.Reason != "mfa_required true -> false; idle_timeout 900 -> 1800" {
		t.Fatalf("policy change recorded as %+v", r)
	}
	if _, err := f.App.UpdatePolicy(ctx, po, pol); err != nil {
		t.Fatal(err)
	}
	if r := lastRec(t, f, audit.PolicyUpdated); r.Reason != "no change" {
		t.Fatalf("an unchanged policy recorded as %+v", r)
	}
}
