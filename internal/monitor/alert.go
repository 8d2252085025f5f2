package monitor

import (
	"encoding/json"
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

// addSeq adds seq to the ranges.
// Seqs come in increasing order; one already covered is not counted again.
func (ev *Evidence) addSeq(seq int64) {
	n := len(ev.SeqRanges)
	if n > 0 && seq <= ev.SeqRanges[n-1][1] {
		return
	}
	ev.Events++
	switch {
	case n > 0 && seq == ev.SeqRanges[n-1][1]+1:
		ev.SeqRanges[n-1][1] = seq
	case n >= maxRanges:
		ev.SeqRanges[n-1][1] = max(ev.SeqRanges[n-1][1], seq)
	default:
		ev.SeqRanges = append(ev.SeqRanges, [2]int64{seq, seq})
	}
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

// merge adds o's ids and counts to ev (o's seqs are added by the caller).
func (ev *Evidence) merge(o *Evidence) {
	for _, r := range o.SeqRanges {
		for s := r[0]; s <= r[1] && s-r[0] < 1_000_000; s++ {
			ev.addSeq(s)
		}
	}
	ev.Attempts += o.Attempts
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
