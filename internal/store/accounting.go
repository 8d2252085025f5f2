package store

import (
	"context"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
)

// AccountingRequest is a request for an accounting of disclosures
// (migration 0040, internal/accounting): ids and times only.
type AccountingRequest struct {
	ID          string
	OrgID       string
	PatientID   string
	From, To    time.Time // the period asked for: from <= t < to
	RequestedBy string    // the user who logged it ("" from the command line)
	RequestedAt time.Time
	Deadline    time.Time // the answer is due by then (requested + 60 days)
	AnsweredAt  time.Time // zero until it is answered
	AnsweredBy  string
	Entries     int // how many entries the answer held
}

const accountingCols = `id, org_id, patient_id, period_from, period_to, requested_by, requested_at, deadline,
	answered_at, answered_by, entries`

// CreateAccountingRequest stores a new request.
func (tx *Tx) CreateAccountingRequest(ctx context.Context, r *AccountingRequest) error {
	_, err := tx.exec(ctx, `INSERT INTO accounting_requests (`+accountingCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.OrgID, r.PatientID, micros(r.From), micros(r.To), r.RequestedBy, micros(r.RequestedAt), micros(r.Deadline),
		microsOrZero(r.AnsweredAt), r.AnsweredBy, r.Entries)
	return err
}

// AnswerAccountingRequest marks a request answered at the transaction's
// time, with how many entries the answer held; an unknown id is
// CodeNotFound. A request answered again keeps its first answer's time.
func (tx *Tx) AnswerAccountingRequest(ctx context.Context, orgID, id, by string, entries int) error {
	return tx.execOne(ctx, `UPDATE accounting_requests SET
		answered_at = CASE WHEN answered_at = 0 THEN $1 ELSE answered_at END,
		answered_by = CASE WHEN answered_at = 0 THEN $2 ELSE answered_by END, entries = $3
		WHERE org_id = $4 AND id = $5`, micros(tx.Now), by, entries, orgID, id)
}

// AccountingRequestByID reads one request of an org; none is CodeNotFound.
func (tx *Tx) AccountingRequestByID(ctx context.Context, orgID, id string) (AccountingRequest, error) {
	rs, err := collect(ctx, tx, tx.scanAccountingRequest, "SELECT "+accountingCols+
		" FROM accounting_requests WHERE org_id = $1 AND id = $2", orgID, id)
	if err != nil {
		return AccountingRequest{}, err
	}
	if len(rs) == 0 {
		return AccountingRequest{}, ward.Errorf(ward.CodeNotFound, "no such accounting request")
	}
	return rs[0], nil
}

// AccountingRequests lists an org's requests, newest first, at most limit.
func (tx *Tx) AccountingRequests(ctx context.Context, orgID string, limit int) ([]AccountingRequest, error) {
	return collect(ctx, tx, tx.scanAccountingRequest, "SELECT "+accountingCols+
		" FROM accounting_requests WHERE org_id = $1 ORDER BY requested_at DESC, id LIMIT "+strconv.Itoa(max(1, limit)), orgID)
}

func (tx *Tx) scanAccountingRequest(s scanner) (AccountingRequest, error) {
	var r AccountingRequest
	var from, to, req, dl, ans int64
	err := s.Scan(&r.ID, &r.OrgID, &r.PatientID, &from, &to, &r.RequestedBy, &req, &dl, &ans, &r.AnsweredBy, &r.Entries)
	r.From, r.To, r.RequestedAt, r.Deadline = fromMicros(from), fromMicros(to), fromMicros(req), fromMicros(dl)
	if ans != 0 {
		r.AnsweredAt = fromMicros(ans)
	}
	return r, tx.d.wrap(err)
}

// PatientDuplicates lists the ids of an org's records merged into id.
func (tx *Tx) PatientDuplicates(ctx context.Context, orgID, id string) ([]string, error) {
	return collect(ctx, tx, func(s scanner) (string, error) {
		var v string
		return v, tx.d.wrap(s.Scan(&v))
	}, "SELECT id FROM patients WHERE org_id = $1 AND merged_into = $2 ORDER BY id", orgID, id)
}

// PatientAuditRows calls fn for every audit row of an org whose patient is
// one of patientIDs with from <= at < to, in time order. It runs on the
// index of patient and time (audit_events_patient, partial on patient_id
// <> ”, which the query repeats so that both databases may use it), so
// its cost follows the patient's rows, not the trail's size. The row
// passed to fn is reused: copy what you keep.
func (tx *Tx) PatientAuditRows(ctx context.Context, orgID string, patientIDs []string, from, to time.Time, fn func(*AuditRow) error) error {
	if len(patientIDs) == 0 {
		return nil
	}
	args := []any{orgID, micros(from), micros(to)}
	in := ""
	for i, id := range patientIDs {
		if i > 0 {
			in += ", "
		}
		args = append(args, id)
		in += "$" + strconv.Itoa(len(args))
	}
	rows, err := tx.query(ctx, "SELECT "+auditCols+" FROM audit_events WHERE patient_id IN ("+in+
		") AND patient_id <> '' AND at >= $2 AND at < $3 AND org_id = $1 ORDER BY at, id", args...)
	if err != nil {
		return err
	}
	return eachAuditRow(tx, rows, fn)
}

// CountAuditRows counts the rows q selects (q.Limit and the cursors
// apply as in AuditRows). The conformance report counts an org's recent
// events of an action with it.
func (tx *Tx) CountAuditRows(ctx context.Context, q AuditQuery) (int, error) {
	where, args := q.where()
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM audit_events"+where, args...).Scan(&n)
	return n, tx.d.wrap(err)
}
