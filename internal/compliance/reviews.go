package compliance

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// MaxSearch is the most conversations a compliance search answers.
const MaxSearch = 200

// Search finds the org's conversations by id, patient record, member and
// date range (at least one), newest first, without titles or bodies. The
// search is audited (compliance.searched; reason: the filters, ids only).
func (s *Service) Search(ctx context.Context, p *access.Principal, f store.ConversationFilter) ([]Found, error) {
	if err := p.Can(authz.ComplianceReview); err != nil {
		return nil, err
	}
	if f.ID == "" && f.PatientID == "" && f.MemberID == "" && f.From.IsZero() && f.To.IsZero() {
		return nil, ward.Errorf(ward.CodeInvalid, "search by id, patient, member or a date range")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, ward.Errorf(ward.CodeInvalid, "from must be before to")
	}
	f.Limit = MaxSearch
	var rows []store.Conversation
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.FindConversations(ctx, p.User.OrgID, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	e := p.Event(audit.ComplianceSearched, "compliance", "")
	e.PatientID = f.PatientID
	e.Reason = fmt.Sprintf("id=%s patient=%s member=%s from=%s to=%s: %d found", f.ID, f.PatientID, f.MemberID,
		stamp(f.From), stamp(f.To), len(rows))
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
		return nil, err
	}
	out := make([]Found, len(rows))
	for i, c := range rows {
		out[i] = found(c)
	}
	return out, nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// OpenReview opens a review of conversation convID by p, a compliance
// officer, for minutes (0: the policy's review_access; more than it is
// CodeTimeBoxTooLong) with reason r (CodeReasonRequired without one).
// Audited as compliance.review; nothing is stored when a check fails.
func (s *Service) OpenReview(ctx context.Context, p *access.Principal, convID string, r ward.Reason, minutes int) (ward.Grant, error) {
	if err := p.Can(authz.ComplianceReview); err != nil {
		return ward.Grant{}, err
	}
	g := ward.Grant{Kind: ward.GrantReview, ConversationID: convID, Reason: r}
	err := s.open(ctx, p, &g, minutes, func(tx *store.Tx) error {
		if convID == "" || len(convID) > 64 {
			return ward.Errorf(ward.CodeNotFound, "no such conversation")
		}
		c, err := tx.ConversationByID(ctx, p.User.OrgID, convID)
		if err != nil {
			return err
		}
		g.PatientID = c.PatientID
		return nil
	}, func(g *ward.Grant) audit.Event {
		e := p.Event(audit.ComplianceReview, "conversation", g.ConversationID)
		e.PatientID = g.PatientID
		e.Reason = fmt.Sprintf("review %s (%s), %d minutes", g.ID, g.Reason.Category, int(g.ExpiresAt.Sub(g.OpenedAt)/time.Minute))
		return e
	})
	return g, err
}

// Review reads one of p's own reviews, its reason opened (live or ended).
func (s *Service) Review(ctx context.Context, p *access.Principal, id string) (ward.Grant, error) {
	if err := p.Can(authz.ComplianceReview); err != nil {
		return ward.Grant{}, err
	}
	g, err := s.live(ctx, p, ward.GrantReview, id)
	if err != nil && ward.ErrorCode(err) != ward.CodeAccessExpired {
		return ward.Grant{}, err
	}
	gs, err := s.opened(ctx, []store.GrantRow{g}, true)
	if err != nil {
		return ward.Grant{}, err
	}
	return gs[0], s.recordRead(ctx, p, "review", gs)
}

// ReviewMessages reads a page of the reviewed conversation's messages
// (after the sequence number after, up to limit) while review id of p is
// live, each page audited (compliance.review_read, reason "review <id>
// (<category>): messages a to b (n)") before the answer.
func (s *Service) ReviewMessages(ctx context.Context, p *access.Principal, id string, after int64, limit int) ([]ward.Message, error) {
	if err := p.Can(authz.ComplianceReview); err != nil {
		return nil, err
	}
	return s.tr.ReadGranted(ctx, p, after, limit, func(tx *store.Tx) (string, audit.Event, error) {
		g, err := s.liveIn(ctx, tx, p, ward.GrantReview, id)
		if err != nil {
			return "", audit.Event{}, err
		}
		e := p.Event(audit.ComplianceReviewRead, "conversation", g.ConversationID)
		e.PatientID = g.PatientID // the conversation's, from when the review was opened
		e.Reason = fmt.Sprintf("review %s (%s)", g.ID, g.Reason.Category)
		return g.ConversationID, e, nil
	})
}

// ReviewAttachment opens an attachment of the reviewed conversation (or a
// kept attachment of one of its held copies, see ReviewHeldCopies) while
// review id of p is live, audited (compliance.review_read, resource the
// attachment) before it is returned.
func (s *Service) ReviewAttachment(ctx context.Context, p *access.Principal, id, attachmentID string) (ward.Attachment, io.ReadCloser, error) {
	if err := p.Can(authz.ComplianceReview); err != nil {
		return ward.Attachment{}, nil, err
	}
	g, err := s.live(ctx, p, ward.GrantReview, id)
	if err != nil {
		return ward.Attachment{}, nil, err
	}
	if len(attachmentID) == 0 || len(attachmentID) > 64 {
		return ward.Attachment{}, nil, ward.Errorf(ward.CodeNotFound, "no such attachment")
	}
	e := p.Event(audit.ComplianceReviewRead, "attachment", attachmentID)
	e.Reason = fmt.Sprintf("review %s (%s): conversation %s", g.ID, g.Reason.Category, g.ConversationID)
	held, err := s.isHeld(ctx, p.User.OrgID, g.ConversationID, attachmentID)
	if err != nil {
		return ward.Attachment{}, nil, err
	}
	if held { // kept for a legal hold after its message was recalled: only a review reads it
		e.Reason += ", held copy"
		return s.tr.Attachments().OpenHeld(ctx, p, g.ConversationID, attachmentID, e)
	}
	return s.tr.OpenGrantedAttachment(ctx, p, g.ConversationID, attachmentID, e)
}

// isHeld reports whether attachment id is a kept attachment of a held
// copy of conversation convID.
func (s *Service) isHeld(ctx context.Context, orgID, convID, id string) (bool, error) {
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		_, err := tx.HeldAttachment(ctx, orgID, convID, id)
		return err
	})
	switch {
	case err == nil:
		return true, nil
	case ward.ErrorCode(err) == ward.CodeNotFound:
		return false, nil
	}
	return false, err
}

// MaxLog is the most grants a page of the review log or the break-glass
// queue holds.
const MaxLog = 100

// Reviews is the log of the org's reviews, newest first, opened before
// before (zero: the newest). The org owner sees who reviewed which
// conversation, when, for how long and the category; compliance officers
// also see the reason's text.
func (s *Service) Reviews(ctx context.Context, p *access.Principal, before time.Time) ([]ward.Grant, error) {
	if err := p.Can(authz.ComplianceLog); err != nil {
		return nil, err
	}
	var rows []store.GrantRow
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.Grants(ctx, p.User.OrgID, store.GrantFilter{Kind: ward.GrantReview, Before: before, Limit: MaxLog})
		return err
	})
	if err != nil {
		return nil, err
	}
	gs, err := s.opened(ctx, rows, p.User.Role == ward.RoleCompliance)
	if err != nil {
		return nil, err
	}
	return gs, s.recordRead(ctx, p, "the log of reviews", gs)
}

// Dashboard is what the compliance console counts.
type Dashboard struct {
	Reviews            int `json:"reviews"`
	BreakGlassUses     int `json:"break_glass_uses"`
	BreakGlassUnjudged int `json:"break_glass_unreviewed"`
}

// Counts answers the dashboard's counts (no content).
func (s *Service) Counts(ctx context.Context, p *access.Principal) (Dashboard, error) {
	if err := p.Can(authz.ComplianceLog); err != nil {
		return Dashboard{}, err
	}
	var d Dashboard
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if d.Reviews, _, err = tx.GrantCounts(ctx, p.User.OrgID, ward.GrantReview); err != nil {
			return err
		}
		d.BreakGlassUses, d.BreakGlassUnjudged, err = tx.GrantCounts(ctx, p.User.OrgID, ward.GrantBreakGlass)
		return err
	})
	return d, err
}
