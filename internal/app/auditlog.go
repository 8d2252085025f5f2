package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Audit search limits.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 200
	maxAuditIDLen     = 128
)

// AuditFilter narrows the audit viewer and console exports to the caller's
// org. Empty fields match everything.
type AuditFilter struct {
	UserID    string       // the actor, or the resource when it is a user
	PatientID string       // the patient whose PHI was touched
	Action    audit.Action // one of audit.Actions()
	From, To  time.Time    // from <= time < to; zero: unbounded
}

// AuditQuery is one page of the audit viewer.
type AuditQuery struct {
	AuditFilter
	Before int64 // the cursor: rows with a smaller id; 0: the newest
	Limit  int   // 0: DefaultAuditLimit; at most MaxAuditLimit
}

// AuditEntry is one event of the viewer, with its row id (the cursor).
type AuditEntry struct {
	ID int64
	audit.Event
}

// AuditPage is one page of events, newest first. Next is the cursor of the
// next (older) page, or 0 when there is no more.
type AuditPage struct {
	Events []AuditEntry
	Next   int64
}

// validate checks the filter; ids are opaque but short and plain, so that
// the audit reason summarising them never carries free text.
func (f *AuditFilter) validate() error {
	for _, v := range [...]struct{ name, id string }{{"user", f.UserID}, {"patient", f.PatientID}} {
		if !plainID(v.id) {
			return ward.Errorf(ward.CodeInvalid, "%s must be an id (letters, digits, '-', '_'; at most %d)", v.name, maxAuditIDLen)
		}
	}
	if f.Action != "" && !f.Action.Valid() {
		return ward.Errorf(ward.CodeInvalid, "action is not an audit action (docs/audit.md lists them)")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return ward.Errorf(ward.CodeInvalid, "from must be before to")
	}
	return nil
}

// plainID reports whether s is empty or looks like an id.
func plainID(s string) bool {
	if len(s) > maxAuditIDLen {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// summary is the filter as an audit reason: ids, the action and times only.
func (f *AuditFilter) summary() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("user", f.UserID)
	add("patient", f.PatientID)
	add("action", string(f.Action))
	if !f.From.IsZero() {
		add("from", f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		add("to", f.To.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}

// SearchAudit returns one page of the caller's org's audit trail, newest
// first. The search itself is recorded (audit.searched) before it answers;
// if that record cannot be written, the search fails.
func (a *App) SearchAudit(ctx context.Context, p *Principal, q AuditQuery) (AuditPage, error) {
	if err := p.Can(authz.AuditRead); err != nil {
		return AuditPage{}, err
	}
	if err := q.validate(); err != nil {
		return AuditPage{}, err
	}
	if p.User.OrgID == "" {
		return AuditPage{}, ward.Errorf(ward.CodeForbidden, "the audit viewer is for an org's members")
	}
	switch {
	case q.Limit < 0 || q.Limit > MaxAuditLimit:
		return AuditPage{}, ward.Errorf(ward.CodeInvalid, "limit must be between 1 and %d", MaxAuditLimit)
	case q.Limit == 0:
		q.Limit = DefaultAuditLimit
	}
	if q.Before < 0 {
		return AuditPage{}, ward.Errorf(ward.CodeInvalid, "before must be a cursor from a previous page")
	}
	reason := q.summary()
	if q.Before > 0 {
		reason = strings.TrimSpace(fmt.Sprintf("%s before=%d", reason, q.Before))
	}
	e := p.Event(audit.AuditSearched, "audit", "")
	e.Reason = strings.TrimSpace(fmt.Sprintf("%s limit=%d", reason, q.Limit))
	if err := a.audit.Record(ctx, e); err != nil {
		return AuditPage{}, err
	}
	sq := store.AuditQuery{OrgID: p.User.OrgID, UserID: q.UserID, PatientID: q.PatientID, Action: string(q.Action),
		From: q.From, To: q.To, BeforeID: q.Before, Newest: true, Limit: q.Limit + 1}
	var page AuditPage
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		page.Events = page.Events[:0]
		return tx.AuditRows(ctx, sq, func(r *store.AuditRow) error {
			page.Events = append(page.Events, AuditEntry{ID: r.ID, Event: audit.Event{
				Seq: r.Seq, Time: r.At, OrgID: r.OrgID,
				Actor:  audit.Actor{UserID: r.ActorUserID, Role: r.ActorRole, DeviceID: r.ActorDeviceID, IP: r.ActorIP},
				Action: audit.Action(r.Action), ResourceType: r.ResourceType, ResourceID: r.ResourceID,
				PatientID: r.PatientID, Outcome: audit.Outcome(r.Outcome), Reason: r.Reason,
			}})
			return nil
		})
	})
	if err != nil {
		return AuditPage{}, err
	}
	if len(page.Events) > q.Limit {
		page.Events = page.Events[:q.Limit]
		page.Next = page.Events[q.Limit-1].ID
	}
	return page, nil
}

// Audit export formats.
const (
	ExportJSONL = "jsonl"
	ExportCSV   = "csv"
)

// AuditExport is a console export: the caller's org's events with from <=
// time < to (both required) that the filter selects.
type AuditExport struct {
	AuditFilter
	Format string // ExportJSONL or ExportCSV
}

// CheckAuditExport validates an export without running it, so that the
// caller can answer a clear error before it starts a download.
func (a *App) CheckAuditExport(p *Principal, x AuditExport) error {
	if err := p.Can(authz.AuditExport); err != nil {
		return err
	}
	if p.User.OrgID == "" {
		return ward.Errorf(ward.CodeForbidden, "console exports are for an org's members")
	}
	if x.From.IsZero() || x.To.IsZero() {
		return ward.Errorf(ward.CodeInvalid, "from and to are required")
	}
	if x.Format != ExportJSONL && x.Format != ExportCSV {
		return ward.Errorf(ward.CodeInvalid, "format must be jsonl or csv")
	}
	return x.validate()
}

// ExportAudit records the export (audit.exported) and then streams the
// caller's org's selected events to w; it returns how many it wrote. If the
// record cannot be written, nothing is written to w.
func (a *App) ExportAudit(ctx context.Context, p *Principal, x AuditExport, w io.Writer) (int, error) {
	if err := a.CheckAuditExport(p, x); err != nil {
		return 0, err
	}
	e := p.Event(audit.AuditExported, "audit", "")
	e.Reason = strings.TrimSpace("format=" + x.Format + " " + x.summary())
	if err := a.audit.Record(ctx, e); err != nil {
		return 0, err
	}
	f := audit.ExportFilter{OrgID: p.User.OrgID, UserID: x.UserID, PatientID: x.PatientID, Action: x.Action}
	return audit.ExportFiltered(ctx, a.store, x.From, x.To, x.Format, f, w, nil)
}
