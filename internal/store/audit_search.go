package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// AuditQuery selects audit rows for the audit viewer and for exports. Every
// empty field matches everything, so the zero value (bar Limit) selects the
// whole trail: internal/app always sets OrgID.
type AuditQuery struct {
	OrgID     string // only this org's rows
	UserID    string // rows whose actor is this user, or whose resource is this user
	PatientID string // rows that touched this patient
	Action    string
	From, To  time.Time // from <= at < to; zero: unbounded
	AfterID   int64     // rows with id > AfterID (oldest first)
	BeforeID  int64     // rows with id < BeforeID (newest first)
	Newest    bool      // newest first (id descending) instead of oldest first
	Limit     int       // at most this many rows; 0: no limit
}

// where builds the WHERE clause of q with $N placeholders, and its arguments.
func (q *AuditQuery) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if q.OrgID != "" {
		add("org_id = ?", q.OrgID)
	}
	if q.UserID != "" {
		add("(actor_user_id = ? OR (resource_type = 'user' AND resource_id = ?))", q.UserID, q.UserID)
	}
	if q.PatientID != "" {
		add("patient_id = ?", q.PatientID)
	}
	if q.Action != "" {
		add("action = ?", q.Action)
	}
	if !q.From.IsZero() {
		add("at >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		add("at < ?", micros(q.To))
	}
	if q.AfterID > 0 {
		add("id > ?", q.AfterID)
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// AuditRows calls fn for every row q selects, in id order (descending when
// q.Newest). The row passed to fn is reused: copy what you keep.
func (tx *Tx) AuditRows(ctx context.Context, q AuditQuery, fn func(*AuditRow) error) error {
	where, args := q.where()
	order := " ORDER BY id"
	if q.Newest {
		order = " ORDER BY id DESC"
	}
	limit := ""
	if q.Limit > 0 {
		args = append(args, q.Limit)
		limit = " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := tx.query(ctx, "SELECT "+auditCols+" FROM audit_events"+where+order+limit, args...)
	if err != nil {
		return err
	}
	return eachAuditRow(tx, rows, fn)
}
