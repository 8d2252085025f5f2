package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
)

// signinAuditRecord is an exported audit event, as the tests here read it.
type signinAuditRecord struct {
	OrgID        string `json:"org_id"`
	Action       string `json:"action"`
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	Outcome      string `json:"outcome"`
	Reason       string `json:"reason"`
	ActorIP      string `json:"actor_ip"`
}

// signinAuditRecords exports the whole trail; raw is the export as it is.
func signinAuditRecords(tb testing.TB, f *Fixture) (recs []signinAuditRecord, raw string) {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	for sc.Scan() {
		var r signinAuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs, buf.String()
}

func signinLoginOrg(f *Fixture, org, email, pw, ip string) error {
	_, err := f.App.Login(context.Background(), app.LoginRequest{Org: org, Email: email, Password: pw,
		DeviceID: "device-t-1", DeviceName: "test", IP: ip})
	return err
}

// Finding 10: an email in two orgs, without the org, answers as a wrong
// password does, and counts against the email's budget.
func TestMultiOrgEmailNoDiscovery(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	if _, _, _, err := f.App.CreateOrg(ctx, app.InitOrg{Name: "St Luke", AdminEmail: f.Owner.Email,
		AdminName: "Olive Owner", Password: "another owner passphrase"}); err != nil {
		t.Fatal(err)
	}
	_, wrongPW := f.Login("nobody-at-all@stmary.example", "wrong password here", "device-x-1", "10.0.0.3")
	_, multi := f.Login(f.Owner.Email, "wrong password here", "device-x-1", "10.0.0.4")
	if ward.ErrorCode(multi) != ward.CodeUnauth || multi.Error() != wrongPW.Error() {
		t.Fatalf("email in two orgs answers %v; a wrong password answers %v", multi, wrongPW)
	}
	limited := false
	for i := range 10 {
		_, err := f.Login(f.Owner.Email, "wrong password here", "device-x-1", fmt.Sprintf("10.0.1.%d", i))
		limited = limited || ward.ErrorCode(err) == ward.CodeRateLimited
	}
	if !limited {
		t.Error("11 attempts on an email of two orgs were never throttled")
	}
	// With the org, the owner still signs in (after the lock).
	f.Clock.Advance(16 * time.Minute)
	if err := signinLoginOrg(f, f.Org.Slug, f.Owner.Email, f.OwnerPW, "10.0.2.1"); err != nil {
		t.Fatalf("owner with the org: %v", err)
	}
}

// Finding 12: the account budget is one, whatever org string the attempts
// name; unresolved emails share one budget per email.
func TestThrottleKeyResolvedAccount(t *testing.T) {
	f := MustFixture(t, false)
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	orgs := []string{"", f.Org.Slug, " " + strings.ToUpper(f.Org.Slug)}
	limited := -1
	for i := range 12 {
		err := signinLoginOrg(f, orgs[i%len(orgs)], nurse.Email, "wrong password here", fmt.Sprintf("10.1.0.%d", i))
		if ward.ErrorCode(err) == ward.CodeRateLimited {
			limited = i
			break
		}
	}
	if limited < 0 || limited > 6 {
		t.Errorf("first throttled attempt on one account across org spellings: %d, want <= 6", limited)
	}
	if err := signinLoginOrg(f, "", nurse.Email, npw, "10.1.1.1"); ward.ErrorCode(err) != ward.CodeRateLimited {
		t.Errorf("right password while the account is locked: %v, want rate_limited", err)
	}
	limited = -1
	for i := range 12 {
		err := signinLoginOrg(f, []string{"", "no-such-org", f.Org.Slug}[i%3], "Ghost@StMary.example", "wrong password here", fmt.Sprintf("10.2.0.%d", i))
		if ward.ErrorCode(err) == ward.CodeRateLimited {
			limited = i
			break
		}
	}
	if limited < 0 || limited > 6 {
		t.Errorf("first throttled attempt on one unknown email across orgs: %d, want <= 6", limited)
	}
}

// Finding 9: a shared address that many failed sign-ins locked does not
// refuse a person with the right password; wrong ones stay refused.
func TestCorrectCredentialsNotRefusedByAddressBucket(t *testing.T) {
	f := MustFixture(t, false)
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	const nat = "198.51.100.20"
	limited := false
	for i := range 40 {
		_, err := f.Login(fmt.Sprintf("random-%d@example.org", i), "wrong password here", "device-x-1", nat)
		limited = limited || ward.ErrorCode(err) == ward.CodeRateLimited
	}
	if !limited {
		t.Fatal("40 failures from one address were never throttled")
	}
	if _, err := f.Login(nurse.Email, "wrong password here", "device-x-1", nat); ward.ErrorCode(err) != ward.CodeRateLimited {
		t.Errorf("a wrong password from the locked address: %v, want rate_limited", err)
	}
	if _, err := f.Login(nurse.Email, npw, "device-nina-1", nat); err != nil {
		t.Errorf("the right password from the locked address: %v", err)
	}
}

// Finding 9: IPv6 addresses share one address budget per /64.
func TestIPv6Bucket64(t *testing.T) {
	f := MustFixture(t, false)
	limited := false
	for i := range 40 {
		_, err := f.Login(fmt.Sprintf("random-%d@example.org", i), "wrong password here", "device-x-1",
			fmt.Sprintf("2001:db8:1:2::%x", i+1))
		limited = limited || ward.ErrorCode(err) == ward.CodeRateLimited
	}
	if !limited {
		t.Error("40 failures from 40 addresses of one /64 were never throttled")
	}
	if _, err := f.Login("other@example.org", "wrong password here", "device-x-1", "2001:db8:1:3::1"); ward.ErrorCode(err) != ward.CodeUnauth {
		t.Errorf("another /64: %v, want unauthenticated", err)
	}
}

// Finding 11: throttled attempts leave aggregated events, and failures for
// unknown accounts are recorded without the email in clear.
func TestThrottledAttemptsAudited(t *testing.T) {
	f := MustFixture(t, false)
	nurse, _ := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	throttled := 0
	for i := range 30 {
		_, err := f.Login(nurse.Email, "wrong password here", "device-x-1", fmt.Sprintf("10.3.0.%d", i))
		if ward.ErrorCode(err) == ward.CodeRateLimited {
			throttled++
		}
		f.Clock.Advance(time.Second)
	}
	// A spray of unknown emails from one address: past the address's
	// budget, its failures are counted per address, not one event each.
	for i := range 40 {
		f.Login(fmt.Sprintf("sprayed-%d@example.org", i), "wrong password here", "device-x-1", "10.5.0.1")
	}
	const ghost = "ghost.person@elsewhere.example"
	if _, err := f.Login(ghost, "wrong password here", "device-x-1", "10.4.0.1"); ward.ErrorCode(err) != ward.CodeUnauth {
		t.Fatalf("unknown account: %v", err)
	}
	recs, _ := signinAuditRecords(t, f)
	var events, counted int
	for _, r := range recs {
		if r.Action != string(audit.LoginThrottled) || r.ResourceType != "user" {
			continue
		}
		events++
		if r.ResourceID != nurse.ID || r.OrgID != f.Org.ID || r.Outcome != string(audit.Denied) {
			t.Errorf("throttle event %+v, want the account's id and org, outcome denied", r)
		}
		var n int
		if _, err := fmt.Sscanf(r.Reason, "%d ", &n); err != nil {
			t.Errorf("throttle event reason %q does not start with a count", r.Reason)
		}
		// Where they came from: the first few addresses (not one IP of the actor: there were many).
		if !strings.Contains(r.Reason, ", from 10.3.0.") || (n > 5 && !strings.Contains(r.Reason, " more")) {
			t.Errorf("throttle event reason %q does not name the addresses", r.Reason)
		}
		counted += n
	}
	if throttled == 0 || events == 0 || events >= throttled {
		t.Errorf("%d throttled attempts gave %d events; want some, aggregated", throttled, events)
	}
	if counted > throttled {
		t.Errorf("events count %d throttled attempts, there were %d", counted, throttled)
	}
	// What is folded after the last event comes out at the next flush.
	if err := f.App.FlushThrottleEvents(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	recs, raw := signinAuditRecords(t, f)
	// Every attempt is either checked (login.failed) or refused unchecked
	// (counted in a login.throttled event).
	counted, checked := 0, 0
	for _, r := range recs {
		switch {
		case r.Action == string(audit.LoginThrottled) && r.ResourceID == nurse.ID:
			var n int
			fmt.Sscanf(r.Reason, "%d ", &n)
			counted += n
		case r.Action == string(audit.LoginFailed) && r.ResourceID == nurse.ID:
			checked++
		}
	}
	if counted+checked != 30 {
		t.Errorf("after a flush: %d attempts refused and counted, %d checked; want 30 in all", counted, checked)
	}
	addrCounted, addrChecked := 0, 0
	for _, r := range recs {
		switch {
		case r.Action == string(audit.LoginThrottled) && r.ResourceType == "address":
			if r.ResourceID != "10.5.0.1" {
				t.Errorf("address throttle event for %q, want 10.5.0.1", r.ResourceID)
			}
			var n int
			fmt.Sscanf(r.Reason, "%d ", &n)
			addrCounted += n
		case r.Action == string(audit.LoginFailed) && r.ActorIP == "10.5.0.1":
			addrChecked++
		}
	}
	if addrCounted == 0 || addrCounted+addrChecked != 40 {
		t.Errorf("40 failures from one address: %d audited one by one, %d counted in address events; want some counted, 40 in all",
			addrChecked, addrCounted)
	}
	if strings.Contains(strings.ToLower(raw), "ghost.person") || strings.Contains(raw, "sprayed-") {
		t.Error("the attempted email of an unknown account is in the audit trail in clear")
	}
	found := false
	for _, r := range recs {
		if r.Action == string(audit.LoginFailed) && r.ActorIP == "10.4.0.1" {
			found = true
			if !strings.HasPrefix(r.ResourceID, "unknown-") || r.Reason != "unknown account" {
				t.Errorf("unknown-account failure %+v, want resource unknown-<hmac>", r)
			}
		}
	}
	if !found {
		t.Error("no login.failed for the unknown account")
	}
	// The same email gives the same resource id: failures can be grouped.
	if _, err := f.Login(strings.ToUpper(ghost), "another wrong one", "device-x-1", "10.4.0.2"); ward.ErrorCode(err) != ward.CodeUnauth {
		t.Fatal(err)
	}
	recs, _ = signinAuditRecords(t, f)
	ids := map[string]bool{}
	for _, r := range recs {
		if r.Action == string(audit.LoginFailed) && strings.HasPrefix(r.ActorIP, "10.4.0.") {
			ids[r.ResourceID] = true
		}
	}
	if len(ids) != 1 {
		t.Errorf("one unknown email under %d resource ids: %v", len(ids), ids)
	}
}
