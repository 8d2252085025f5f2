package compliance

import (
	"context"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// HeldCopy is a recalled message of a conversation under legal hold, as a
// review reads it: members see a tombstone; the body kept for the hold is
// readable only here.
type HeldCopy struct {
	MessageID  string    `json:"message_id"`
	Seq        int64     `json:"seq"`
	SenderID   string    `json:"sender_id"`
	CreatedAt  time.Time `json:"created_at"`
	RecalledAt time.Time `json:"recalled_at"`
	KeptAt     time.Time `json:"kept_at"`
	Body       string    `json:"body"`
	// Attachments are the files the message carried, kept with it: a
	// review downloads them through its attachment route.
	Attachments []HeldFile `json:"attachments"`
}

// HeldFile is a kept attachment of a held copy, as a review's page lists
// attachments.
type HeldFile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// ReviewHeldCopies reads the held copies of the recalled messages of the
// reviewed conversation (a legal hold kept their sealed bodies when they
// were recalled; a released hold's copies are dropped by the retention
// job) while review id of p is live, audited (compliance.review_read,
// with the review's id and category) before the answer.
func (s *Service) ReviewHeldCopies(ctx context.Context, p *access.Principal, id string) ([]HeldCopy, error) {
	if err := p.Can(authz.ComplianceReview); err != nil {
		return nil, err
	}
	var g store.GrantRow
	var rows []store.HeldCopyRow
	var kept []store.Attachment
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if g, err = s.liveIn(ctx, tx, p, ward.GrantReview, id); err != nil {
			return err
		}
		if rows, err = tx.ConversationHeldCopies(ctx, p.User.OrgID, g.ConversationID); err != nil {
			return err
		}
		kept, err = tx.HeldAttachments(ctx, p.User.OrgID, g.ConversationID)
		return err
	})
	if err != nil {
		return nil, err
	}
	files, err := s.tr.Attachments().Names(ctx, kept)
	if err != nil {
		return nil, err
	}
	byMessage := map[string][]HeldFile{}
	for _, f := range files {
		byMessage[f.MessageID] = append(byMessage[f.MessageID], HeldFile{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size})
	}
	out := make([]HeldCopy, len(rows))
	for i, r := range rows {
		pt, err := s.keys.Open(ctx, keyring.Ref{Org: p.User.OrgID, Scope: "conv:" + r.ConversationID, Record: r.MessageID, Field: "body"}, r.BodySealed)
		if err != nil {
			return nil, fmt.Errorf("open the held copy of %s: %w", r.MessageID, err)
		}
		out[i] = HeldCopy{MessageID: r.MessageID, Seq: r.Seq, SenderID: r.SenderID, CreatedAt: r.CreatedAt, RecalledAt: r.RecalledAt,
			KeptAt: r.KeptAt, Body: string(pt), Attachments: byMessage[r.MessageID]}
		if out[i].Attachments == nil {
			out[i].Attachments = []HeldFile{}
		}
	}
	e := p.Event(audit.ComplianceReviewRead, "conversation", g.ConversationID)
	e.PatientID = g.PatientID
	e.Reason = fmt.Sprintf("review %s (%s): held copies of %d recalled messages", g.ID, g.Reason.Category, len(out))
	if len(files) > 0 {
		e.Reason += fmt.Sprintf(" with %d kept attachments", len(files))
	}
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
		return nil, err
	}
	return out, nil
}
