package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// finding is what a rule reports for one event: the rule, the subject it
// groups events by, and the evidence (the whole window when a burst first
// crosses its threshold, then each further event of it).
type finding struct {
	rule     Rule
	org      string
	subject  string
	severity string
	summary  string
	at       time.Time
	first    time.Time // the first event of the window, when the evidence is the window
	seq      int64
	merge    time.Duration // how long after its last event the alert takes more of the burst
	ev       Evidence
	// counts are the sign-in attempts of the evidence's events, by seq: an
	// alert counts each event's attempts once, however many of its
	// subjects' findings name the event (an address and an account).
	counts []item
}

// family groups rules whose findings for one subject make one alert: a
// burst of failed sign-ins from an address that turns into a spray is one
// alert.
func (f *finding) family() string {
	if f.rule == RulePasswordSpray {
		return string(RuleSignInBurst)
	}
	return string(f.rule)
}

// lookups are what rules ask the store (the evaluator caches them).
type lookups interface {
	policy(org string) ward.MonitorPolicy
	breakGlassAccess(org string) time.Duration
	// outsideCareTeams reports whether patient is assigned to some care
	// team and user is in none of those.
	outsideCareTeams(org, user, patient string) (bool, error)
	// newSeen records device and address for a privileged user and returns
	// those not seen before; first is true when nothing was known of the
	// user yet (the first sign-in seen teaches, it does not alert).
	newSeen(org, user, device, ip string) (fresh []string, first bool, err error)
	// disabled records that user was disabled or enabled again.
	disabled(user string, on bool)
}

// orgState is the rules' sliding windows of one org.
type orgState struct {
	reads   map[string]*window   // bulk access: per user, keyed by patient
	fails   map[string]*window   // per account: attempts
	addrs   map[string]*window   // per address: attempts, keyed by account
	exports map[string]*window   // per user
	glass   map[string]time.Time // user|patient: a break-glass lasts until
}

func newOrgState() *orgState {
	return &orgState{reads: map[string]*window{}, fails: map[string]*window{}, addrs: map[string]*window{},
		exports: map[string]*window{}, glass: map[string]time.Time{}}
}

// engine runs the rules over events in seq order.
type engine struct {
	look     lookups
	orgs     map[string]*orgState
	disabled map[string]bool // user ids disabled now
	sweepAt  time.Time
}

func newEngine(look lookups) *engine {
	return &engine{look: look, orgs: map[string]*orgState{}, disabled: map[string]bool{}}
}

func (e *engine) org(id string) *orgState {
	s := e.orgs[id]
	if s == nil {
		s = newOrgState()
		e.orgs[id] = s
	}
	return s
}

// watched are the actions the rules read besides the events that name a
// patient (every read phiRead counts does; so does break-glass) and those of
// a disabled account: the evaluator's query leaves everything else in the
// database. A rule that reads another action must add it here.
var watched = []string{
	string(audit.LoginFailed), string(audit.MFAFailed), string(audit.PasswordChangeFailed), string(audit.LoginThrottled),
	string(audit.LoginSucceeded), string(audit.AuditExported), string(audit.ArchiveExported),
	string(audit.BreakGlassOpened), string(audit.UserDisabled), string(audit.UserEnabled),
}

// phiRead reports whether r is a read of a patient's PHI by staff that the
// access rules count.
func phiRead(r *store.AuditRow) bool {
	if r.PatientID == "" || r.Outcome != string(audit.Success) || r.ActorUserID == "" {
		return false
	}
	switch audit.Action(r.Action) {
	case audit.PatientRecordRead, audit.ConversationRead, audit.MessageRead, audit.AttachmentDownloaded,
		audit.BreakGlassRead, audit.ComplianceReviewRead:
	default:
		return false
	}
	switch ward.Role(r.ActorRole) {
	case ward.RolePatient, ward.RoleGuest:
		return false
	}
	return !strings.HasPrefix(r.Reason, "compliance archive export") // counted as an export
}

// observe runs the rules over r, appending what they found to out. In
// replay (rebuilding the windows at start) nothing is reported and the
// rules that keep state in the store do not run.
func (e *engine) observe(r *store.AuditRow, replay bool, out []finding) ([]finding, error) {
	a := audit.Action(r.Action)
	var err error
	switch {
	case phiRead(r):
		out, err = e.read(r, replay, out)
	case a == audit.LoginFailed || a == audit.MFAFailed || a == audit.PasswordChangeFailed || a == audit.LoginThrottled:
		out = e.signIn(r, replay, out)
	case a == audit.AuditExported || a == audit.ArchiveExported:
		out = e.export(r, replay, out)
	case a == audit.BreakGlassOpened && r.Outcome == string(audit.Success):
		s := e.org(r.OrgID)
		s.glass[r.ActorUserID+"|"+r.PatientID] = r.At.Add(e.look.breakGlassAccess(r.OrgID))
		if !replay {
			f := finding{rule: RuleBreakGlass, org: r.OrgID, subject: "seq:" + strconv.FormatInt(r.Seq, 10), severity: SeverityMedium,
				summary: "break-glass used", at: r.At, seq: r.Seq}
			f.ev.UserIDs, f.ev.PatientIDs = []string{r.ActorUserID}, []string{r.PatientID}
			out = append(out, f)
		}
	case a == audit.LoginSucceeded && !replay:
		out, err = e.signedIn(r, out)
	case a == audit.UserDisabled && !replay:
		e.disabled[r.ResourceID] = true
		e.look.disabled(r.ResourceID, true)
	case a == audit.UserEnabled && !replay:
		delete(e.disabled, r.ResourceID)
		e.look.disabled(r.ResourceID, false)
	}
	if err != nil {
		return out, err
	}
	if !replay && e.disabled[r.ActorUserID] && r.Outcome == string(audit.Success) {
		switch a {
		case audit.Logout, audit.SessionRevoked, audit.SessionExpired, audit.UserDisabled:
		default:
			f := finding{rule: RuleDisabledActive, org: r.OrgID, subject: r.ActorUserID, severity: SeverityHigh,
				summary: "activity of a disabled user", at: r.At, seq: r.Seq, merge: time.Hour}
			f.ev.UserIDs, f.ev.PatientIDs = []string{r.ActorUserID}, optional(r.PatientID)
			f.ev.Addresses, f.ev.Devices = optional(r.ActorIP), optional(r.ActorDeviceID)
			out = append(out, f)
		}
	}
	e.sweep(r.At)
	return out, nil
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// read runs the access rules: bulk access, off hours, outside care teams.
func (e *engine) read(r *store.AuditRow, replay bool, out []finding) ([]finding, error) {
	pol := e.look.policy(r.OrgID)
	s := e.org(r.OrgID)
	w := windowFor(s.reads, r.ActorUserID)
	w.add(item{at: r.At, seq: r.Seq, key: r.PatientID, n: 1}, pol.BulkWindow)
	if len(w.keys) > pol.BulkPatients {
		if !replay {
			f := finding{rule: RuleBulkAccess, org: r.OrgID, subject: r.ActorUserID, severity: SeverityHigh, at: r.At, seq: r.Seq,
				merge: pol.BulkWindow}
			f.ev.UserIDs = []string{r.ActorUserID}
			if !w.over {
				w.evidence(&f.ev, &f.ev.PatientIDs)
				f.first = w.items[w.head].at
			} else {
				f.ev.PatientIDs = []string{r.PatientID}
			}
			f.summary = fmt.Sprintf("one user read more than %d patients' data within %s", pol.BulkPatients, pol.BulkWindow)
			out = append(out, f)
		}
		w.over = true
	} else {
		w.over = false
	}
	if replay {
		return out, nil
	}
	if ward.Role(r.ActorRole) != "" && pol.OffHours(r.At) {
		f := finding{rule: RuleOffHours, org: r.OrgID, subject: r.ActorUserID, severity: SeverityLow, at: r.At, seq: r.Seq,
			merge: time.Hour, summary: "patient data read outside working hours"}
		f.ev.UserIDs, f.ev.PatientIDs = []string{r.ActorUserID}, []string{r.PatientID}
		out = append(out, f)
	}
	if audit.Action(r.Action) == audit.PatientRecordRead && r.ResourceType == "patient" &&
		(r.ActorRole == string(ward.RoleClinician) || r.ActorRole == string(ward.RoleStaff)) {
		if until, ok := s.glass[r.ActorUserID+"|"+r.PatientID]; ok && !r.At.After(until) {
			return out, nil
		}
		outside, err := e.look.outsideCareTeams(r.OrgID, r.ActorUserID, r.PatientID)
		if err != nil {
			return out, err
		}
		if outside {
			f := finding{rule: RuleOutsideTeam, org: r.OrgID, subject: r.ActorUserID, severity: SeverityMedium, at: r.At, seq: r.Seq,
				merge: pol.BulkWindow, summary: "a patient record read outside the reader's care teams, without break-glass"}
			f.ev.UserIDs, f.ev.PatientIDs = []string{r.ActorUserID}, []string{r.PatientID}
			out = append(out, f)
		}
	}
	return out, nil
}

// attempts is how many sign-in attempts r stands for: a login.throttled
// event's reason starts with its count.
func attempts(r *store.AuditRow) int {
	if audit.Action(r.Action) != audit.LoginThrottled {
		return 1
	}
	n, _, _ := strings.Cut(r.Reason, " ")
	if c, err := strconv.Atoi(n); err == nil && c > 0 {
		return c
	}
	return 1
}

// signIn runs the sign-in rules: failure bursts per account and per
// address, and sprays (one address failing on many accounts).
func (e *engine) signIn(r *store.AuditRow, replay bool, out []finding) []finding {
	if r.Outcome == string(audit.Success) {
		return out
	}
	pol := e.look.policy(r.OrgID)
	s := e.org(r.OrgID)
	n := attempts(r)
	account := r.ActorUserID
	if r.ResourceType == "user" && r.ResourceID != "" {
		account = r.ResourceID
	}
	addrOnly := r.ResourceType == "address" // a throttle's count by address names no account
	if addrOnly {
		account = ""
	}
	var addr string
	if audit.Action(r.Action) == audit.LoginThrottled && addrOnly {
		addr = r.ResourceID
	} else {
		addr = r.ActorIP
	}
	if addr != "" {
		w := windowFor(s.addrs, addr)
		w.add(item{at: r.At, seq: r.Seq, key: account, n: n}, pol.SignInWindow)
		spray := len(w.keys) >= pol.SprayAccounts
		if spray || w.total >= pol.SignInFailures {
			if !replay {
				f := finding{rule: RuleSignInBurst, org: r.OrgID, subject: "address:" + addr, severity: SeverityMedium, at: r.At,
					seq: r.Seq, merge: pol.SignInWindow, summary: "a burst of failed sign-ins from one address"}
				if spray {
					f.rule, f.severity, f.summary = RulePasswordSpray, SeverityHigh, "a password spray: failed sign-ins on many accounts from one address"
				}
				f.ev.Addresses = []string{addr}
				if !w.over {
					w.evidence(&f.ev, &f.ev.Accounts)
					f.first = w.items[w.head].at
					f.counts = w.counts()
				} else {
					f.ev.Accounts, f.counts = optional(account), []item{{seq: r.Seq, n: n}}
				}
				out = append(out, f)
			}
			w.over = true
		} else {
			w.over = false
		}
	}
	if account == "" {
		return out
	}
	w := windowFor(s.fails, account)
	w.add(item{at: r.At, seq: r.Seq, key: addr, n: n}, pol.SignInWindow)
	if w.total >= pol.SignInFailures {
		if !replay {
			f := finding{rule: RuleSignInBurst, org: r.OrgID, subject: "account:" + account, severity: SeverityMedium, at: r.At,
				seq: r.Seq, merge: pol.SignInWindow, summary: "a burst of failed sign-ins on one account"}
			f.ev.Accounts = []string{account}
			if !w.over {
				w.evidence(&f.ev, &f.ev.Addresses)
				f.first = w.items[w.head].at
				f.counts = w.counts()
			} else {
				f.ev.Addresses, f.counts = optional(addr), []item{{seq: r.Seq, n: n}}
			}
			out = append(out, f)
		}
		w.over = true
	} else {
		w.over = false
	}
	return out
}

// export runs the mass-export rule.
func (e *engine) export(r *store.AuditRow, replay bool, out []finding) []finding {
	pol := e.look.policy(r.OrgID)
	s := e.org(r.OrgID)
	who := r.ActorUserID
	if who == "" {
		who = "cli"
	}
	w := windowFor(s.exports, who)
	w.add(item{at: r.At, seq: r.Seq, n: 1}, pol.ExportWindow)
	if w.total >= pol.Exports {
		if !replay {
			f := finding{rule: RuleMassExport, org: r.OrgID, subject: who, severity: SeverityHigh, at: r.At, seq: r.Seq,
				merge: pol.ExportWindow, summary: fmt.Sprintf("%d or more exports of the audit trail or archives within %s", pol.Exports, pol.ExportWindow)}
			f.ev.UserIDs, f.ev.PatientIDs = optional(r.ActorUserID), optional(r.PatientID)
			if !w.over {
				w.evidence(&f.ev, nil)
				f.first = w.items[w.head].at
			}
			out = append(out, f)
		}
		w.over = true
	} else {
		w.over = false
	}
	return out
}

// privileged are the roles whose new devices and addresses alert.
func privileged(role string) bool {
	switch ward.Role(role) {
	case ward.RoleOwner, ward.RoleAdmin, ward.RoleCompliance:
		return true
	}
	return false
}

// signedIn runs the new-device rule over a successful sign-in.
func (e *engine) signedIn(r *store.AuditRow, out []finding) ([]finding, error) {
	if !privileged(r.ActorRole) || r.ActorUserID == "" {
		return out, nil
	}
	fresh, first, err := e.look.newSeen(r.OrgID, r.ActorUserID, r.ActorDeviceID, r.ActorIP)
	if err != nil || first || len(fresh) == 0 {
		return out, err
	}
	f := finding{rule: RuleNewDevice, org: r.OrgID, subject: r.ActorUserID, severity: SeverityMedium, at: r.At, seq: r.Seq,
		merge: time.Hour, summary: "a privileged account signed in from a new " + strings.Join(fresh, " and ")}
	f.ev.UserIDs = []string{r.ActorUserID}
	for _, k := range fresh {
		if k == "device" {
			f.ev.Devices = optional(r.ActorDeviceID)
		} else {
			f.ev.Addresses = optional(r.ActorIP)
		}
	}
	return append(out, f), nil
}

// sweep drops, every minute of event time, the windows left empty and the
// break-glass uses that ended, so idle users and addresses cost nothing.
func (e *engine) sweep(now time.Time) {
	if now.Before(e.sweepAt) {
		return
	}
	e.sweepAt = now.Add(time.Minute)
	for org, s := range e.orgs {
		pol := e.look.policy(org)
		drop := func(m map[string]*window, span time.Duration) {
			for k, w := range m {
				if w.evict(now.Add(-span)); w.empty() {
					delete(m, k)
				}
			}
		}
		drop(s.reads, pol.BulkWindow)
		drop(s.fails, pol.SignInWindow)
		drop(s.addrs, pol.SignInWindow)
		drop(s.exports, pol.ExportWindow)
		for k, until := range s.glass {
			if now.After(until) {
				delete(s.glass, k)
			}
		}
	}
}
