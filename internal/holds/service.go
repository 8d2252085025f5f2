package holds

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Service is the legal hold use cases and the retention overview.
type Service struct {
	store *store.Store
}

// New builds a Service over st.
func New(st *store.Store) *Service { return &Service{store: st} }

// List lists the caller's org's holds, active ones first.
func (s *Service) List(ctx context.Context, p *access.Principal) ([]ward.LegalHold, error) {
	if err := p.Can(authz.HoldRead); err != nil {
		return nil, err
	}
	var hs []ward.LegalHold
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		hs, err = tx.Holds(ctx, p.User.OrgID)
		return err
	})
	return hs, err
}

// Get reads one hold of the caller's org.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (ward.LegalHold, error) {
	if err := p.Can(authz.HoldRead); err != nil {
		return ward.LegalHold{}, err
	}
	var h ward.LegalHold
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		h, err = tx.HoldByID(ctx, p.User.OrgID, id)
		return err
	})
	return h, err
}

// Place places a hold with h's matter and scope. An empty scope is
// CodeHoldScopeEmpty; an id in the scope that is not the org's is
// not_found. Nothing is stored unless all is well.
func (s *Service) Place(ctx context.Context, p *access.Principal, h ward.LegalHold) (ward.LegalHold, error) {
	if err := p.Can(authz.HoldManage); err != nil {
		return ward.LegalHold{}, err
	}
	h = ward.LegalHold{Matter: h.Matter, UserID: h.UserID, PatientID: h.PatientID, ConversationID: h.ConversationID,
		From: h.From, To: h.To, ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, PlacedBy: p.User.ID}
	if err := h.Validate(); err != nil {
		return ward.LegalHold{}, err
	}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		if err := checkScope(ctx, tx, h); err != nil {
			return err
		}
		if err := tx.InsertHold(ctx, &h); err != nil {
			return err
		}
		return audit.Append(ctx, tx, event(p, audit.HoldPlaced, h, ""))
	})
	if err != nil {
		return ward.LegalHold{}, err
	}
	return h, nil
}

// Change replaces an active hold's matter and scope with ch's.
func (s *Service) Change(ctx context.Context, p *access.Principal, id string, ch ward.LegalHold) (ward.LegalHold, error) {
	if err := p.Can(authz.HoldManage); err != nil {
		return ward.LegalHold{}, err
	}
	if err := ch.Validate(); err != nil {
		return ward.LegalHold{}, err
	}
	var h ward.LegalHold
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if h, err = tx.HoldByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		if !h.Active() {
			return ward.Errorf(ward.CodeConflict, "the hold was released")
		}
		before := h.Scope()
		h.Matter, h.UserID, h.PatientID, h.ConversationID, h.From, h.To = ch.Matter, ch.UserID, ch.PatientID, ch.ConversationID, ch.From, ch.To
		if err := checkScope(ctx, tx, h); err != nil {
			return err
		}
		if err := tx.UpdateHold(ctx, &h); err != nil {
			return err
		}
		return audit.Append(ctx, tx, event(p, audit.HoldChanged, h, "; was "+before))
	})
	if err != nil {
		return ward.LegalHold{}, err
	}
	return h, nil
}

// Release releases an active hold: retention proceeds on its next run.
func (s *Service) Release(ctx context.Context, p *access.Principal, id string) (ward.LegalHold, error) {
	if err := p.Can(authz.HoldManage); err != nil {
		return ward.LegalHold{}, err
	}
	var h ward.LegalHold
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if h, err = tx.HoldByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		if err := tx.ReleaseHold(ctx, p.User.OrgID, id, p.User.ID); err != nil {
			return err
		}
		h.ReleasedAt, h.ReleasedBy, h.UpdatedAt = tx.Now, p.User.ID, tx.Now
		return audit.Append(ctx, tx, event(p, audit.HoldReleased, h, ""))
	})
	if err != nil {
		return ward.LegalHold{}, err
	}
	return h, nil
}

// checkScope checks that every id in h's scope is one of the org's.
func checkScope(ctx context.Context, tx *store.Tx, h ward.LegalHold) error {
	if h.UserID != "" {
		if _, err := tx.UserByID(ctx, h.OrgID, h.UserID); err != nil {
			return scopeErr(err, "user")
		}
	}
	if h.PatientID != "" {
		if _, err := tx.Patient(ctx, h.OrgID, h.PatientID); err != nil {
			return scopeErr(err, "patient")
		}
	}
	if h.ConversationID != "" {
		if _, err := tx.ConversationByID(ctx, h.OrgID, h.ConversationID); err != nil {
			return scopeErr(err, "conversation")
		}
	}
	return nil
}

func scopeErr(err error, what string) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeNotFound, "no such %s in the org", what)
	}
	return err
}

// event is a hold's audit event: the matter (quoted, bounded by
// Validate) and the scope as ids and dates.
func event(p *access.Principal, a audit.Action, h ward.LegalHold, more string) audit.Event {
	e := p.Event(a, "legal_hold", h.ID)
	e.Reason = fmt.Sprintf("matter %q; scope %s%s", h.Matter, h.Scope(), more)
	return e
}
