package monitor

import (
	"encoding/json"
	"slices"
	"sort"
	"time"
)

// Rule names what raised an alert.
type Rule string

// The rules.
const (
	RuleBulkAccess     Rule = "bulk_access"
	RuleOffHours       Rule = "off_hours"
	RuleOutsideTeam    Rule = "outside_care_team"
	RuleSignInBurst    Rule = "signin_burst"
	RulePasswordSpray  Rule = "password_spray"
	RuleMassExport     Rule = "mass_export"
	RuleNewDevice      Rule = "new_device"
	RuleDisabledActive Rule = "disabled_user_activity"
	RuleBreakGlass     Rule = "break_glass"
)

// Severities and statuses of alerts.
const (
	SeverityLow    = "low"
	SeverityMedium = "medium"
	SeverityHigh   = "high"

	StatusNew          = "new"
	StatusAcknowledged = "acknowledged"
	StatusDismissed    = "dismissed"
	StatusEscalated    = "escalated"
)

// Evidence is what an alert rests on: the audit events (as seq ranges,
// inclusive) and the ids they name. Never content.
type Evidence struct {
	SeqRanges  [][2]int64 `json:"seq_ranges"`
	Events     int        `json:"events"`             // audit events in the ranges that matched the rule
	Attempts   int        `json:"attempts,omitempty"` // sign-in attempts, throttled ones counted
	UserIDs    []string   `json:"user_ids,omitempty"`
	PatientIDs []string   `json:"patient_ids,omitempty"`
	Accounts   []string   `json:"accounts,omitempty"` // sign-in accounts: user ids or unknown-<HMAC>
	Addresses  []string   `json:"addresses,omitempty"`
	Devices    []string   `json:"devices,omitempty"`
}

// Caps on an alert's evidence: past them the last range grows to cover
// the new seqs, and further ids are counted but not listed.
const (
	maxRanges = 100
	maxIDs    = 5000
)

// addSeq adds seq to the ranges and reports whether it was not there yet
// (only then is it counted). Seqs mostly come in increasing order; one
// older than the last range (from another window that joined the alert)
// goes where it belongs. Past maxRanges the nearest range grows instead.
func (ev *Evidence) addSeq(seq int64) bool {
	r := ev.SeqRanges
	n := len(r)
	if n == 0 || seq > r[n-1][1] {
		ev.Events++
		switch {
		case n > 0 && seq == r[n-1][1]+1:
			r[n-1][1] = seq
		case n >= maxRanges:
			r[n-1][1] = seq
		default:
			ev.SeqRanges = append(r, [2]int64{seq, seq})
		}
		return true
	}
	i := sort.Search(n, func(i int) bool { return r[i][1] >= seq }) // the first range that ends at seq or after
	if r[i][0] <= seq {
		return false
	}
	ev.Events++
	switch {
	case seq+1 == r[i][0] && i > 0 && r[i-1][1]+1 == seq: // it joins two ranges
		r[i-1][1] = r[i][1]
		ev.SeqRanges = append(r[:i], r[i+1:]...)
	case seq+1 == r[i][0], n >= maxRanges && (i == 0 || seq-r[i-1][1] > r[i][0]-seq):
		r[i][0] = seq
	case i > 0 && (r[i-1][1]+1 == seq || n >= maxRanges):
		r[i-1][1] = seq
	default:
		ev.SeqRanges = slices.Insert(r, i, [2]int64{seq, seq})
	}
	return true
}

// addID adds id to list unless it is there (or the list is full).
func addID(list []string, id string) []string {
	if id == "" || len(list) >= maxIDs {
		return list
	}
	for _, x := range list {
		if x == id {
			return list
		}
	}
	return append(list, id)
}

// addAttempts adds the event seq and the n sign-in attempts it stands for,
// unless the evidence holds seq already: an event's attempts count once.
func (ev *Evidence) addAttempts(seq int64, n int) {
	if ev.addSeq(seq) {
		ev.Attempts += n
	}
}

// merge adds o's seqs and ids to ev (its attempts are added, by seq, with
// addAttempts first).
func (ev *Evidence) merge(o *Evidence) {
	for _, r := range o.SeqRanges {
		for s := r[0]; s <= r[1] && s-r[0] < 1_000_000; s++ {
			ev.addSeq(s)
		}
	}
	for _, id := range o.UserIDs {
		ev.UserIDs = addID(ev.UserIDs, id)
	}
	for _, id := range o.PatientIDs {
		ev.PatientIDs = addID(ev.PatientIDs, id)
	}
	for _, id := range o.Accounts {
		ev.Accounts = addID(ev.Accounts, id)
	}
	for _, id := range o.Addresses {
		ev.Addresses = addID(ev.Addresses, id)
	}
	for _, id := range o.Devices {
		ev.Devices = addID(ev.Devices, id)
	}
}

// Alert is an alert as the API shows it.
type Alert struct {
	ID          string    `json:"id"`
	Rule        Rule      `json:"rule"`
	Severity    string    `json:"severity"`
	Status      string    `json:"status"`
	Summary     string    `json:"summary"`
	Subject     string    `json:"subject"`
	Evidence    Evidence  `json:"evidence"`
	FirstSeq    int64     `json:"first_seq"`
	LastSeq     int64     `json:"last_seq"`
	FirstAt     time.Time `json:"first_at"`
	LastAt      time.Time `json:"last_at"`
	RaisedAt    time.Time `json:"raised_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	StatusBy    string    `json:"status_by,omitempty"`
	Reason      string    `json:"dismiss_reason,omitempty"`
	EscalatedTo *string   `json:"escalated_to"`
}

// Raised is the data of the live AlertRaised event: what a console lists,
// ids only.
type Raised struct {
	ID       string    `json:"id"`
	Rule     Rule      `json:"rule"`
	Severity string    `json:"severity"`
	Summary  string    `json:"summary"`
	Subject  string    `json:"subject"`
	RaisedAt time.Time `json:"raised_at"`
}

// AlertRaised is the live event compliance officers' sockets get for a new
// alert.
const AlertRaised = "alert.raised"

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
