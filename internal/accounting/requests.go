package accounting

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// Request is a logged request for an accounting, with its deadline.
type Request = store.AccountingRequest

// LogRequest logs a patient's request for an accounting of q's patient and
// period, asked at requestedAt (zero: now; never in the future), due
// AnswerWithin later. The request and its accounting.requested event are
// written in one transaction; nothing is written when a check fails.
func (s *Service) LogRequest(ctx context.Context, c Caller, q Query, requestedAt time.Time) (Request, error) {
	now := s.now().UTC()
	if requestedAt.IsZero() {
		requestedAt = now
	}
	requestedAt = requestedAt.UTC()
	if requestedAt.After(now) {
		return Request{}, ward.Errorf(ward.CodeInvalid, "requested_at may not be in the future")
	}
	if q.To.IsZero() {
		q.To = requestedAt
	}
	if err := s.period(&q); err != nil {
		return Request{}, err
	}
	id, err := s.patient(ctx, c.OrgID, &q)
	if err != nil {
		return Request{}, err
	}
	r := Request{ID: uuid.Must(uuid.NewV7()).String(), OrgID: c.OrgID, PatientID: id, From: q.From, To: q.To,
		RequestedBy: c.Actor.UserID, RequestedAt: requestedAt, Deadline: requestedAt.Add(AnswerWithin)}
	ev := audit.Event{OrgID: c.OrgID, Actor: c.Actor, Action: audit.AccountingRequested, Outcome: audit.Success,
		ResourceType: "accounting_request", ResourceID: r.ID, PatientID: id,
		Reason: fmt.Sprintf("period %s to %s, requested %s, due %s", stamp(r.From), stamp(r.To), stamp(r.RequestedAt), stamp(r.Deadline))}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccountingRequest(ctx, &r); err != nil {
			return err
		}
		return audit.Append(ctx, tx, ev)
	})
	return r, err
}

// MaxRequests is how many requests Requests lists.
const MaxRequests = 200

// Requests lists the org's requests, newest first (ids and dates only).
func (s *Service) Requests(ctx context.Context, orgID string) ([]Request, error) {
	var rs []Request
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = tx.AccountingRequests(ctx, orgID, MaxRequests)
		return err
	})
	if rs == nil {
		rs = []Request{}
	}
	return rs, err
}
