package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// BreakGlassOpened is the live event compliance officers' sockets get when
// a clinician breaks the glass: ids, the clinician's name (the staff
// directory), the category and the time box; never the reason's text.
const BreakGlassOpened = "breakglass.opened"

// Alert is the data of a BreakGlassOpened event.
type Alert struct {
	ID        string              `json:"id"`
	UserID    string              `json:"user_id"`
	UserName  string              `json:"user_name"`
	PatientID string              `json:"patient_id"`
	Category  ward.ReasonCategory `json:"category"`
	OpenedAt  time.Time           `json:"opened_at"`
	ExpiresAt time.Time           `json:"expires_at"`
}

// BreakGlass opens patient record patientID's conversations to p, a
// clinician, in an emergency, for minutes (0: the policy's
// break_glass_access; more is CodeTimeBoxTooLong), with reason r
// (CodeReasonRequired without one). Audited as breakglass.opened; once
// committed, every compliance officer of the org is alerted live.
func (s *Service) BreakGlass(ctx context.Context, p *access.Principal, patientID string, r ward.Reason, minutes int) (ward.Grant, error) {
	if err := p.Can(authz.BreakGlassOpen); err != nil {
		return ward.Grant{}, err
	}
	g := ward.Grant{Kind: ward.GrantBreakGlass, PatientID: patientID, Reason: r}
	var officers, emails []string
	var clinic string
	err := s.open(ctx, p, &g, minutes, func(tx *store.Tx) error {
		if patientID == "" || len(patientID) > 64 {
			return ward.Errorf(ward.CodeNotFound, "no such patient")
		}
		if _, err := tx.Patient(ctx, p.User.OrgID, patientID); err != nil {
			return err
		}
		switch on, err := tx.OnCareTeam(ctx, patientID, p.User.ID); {
		case err != nil:
			return err
		case on:
			return ward.Errorf(ward.CodeOnCareTeam, "you are on this patient's care team: open their conversations as usual, no break-glass is needed")
		}
		users, err := tx.ListUsers(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Role == ward.RoleCompliance && !u.Disabled {
				officers, emails = append(officers, u.ID), append(emails, u.Email)
			}
		}
		org, err := tx.OrgByID(ctx, p.User.OrgID)
		clinic = org.Name
		return err
	}, func(g *ward.Grant) audit.Event {
		e := p.Event(audit.BreakGlassOpened, "patient", g.PatientID)
		e.PatientID = g.PatientID
		e.Reason = fmt.Sprintf("break-glass %s (%s), %d minutes", g.ID, g.Reason.Category, int(g.ExpiresAt.Sub(g.OpenedAt)/time.Minute))
		return e
	})
	if err != nil {
		return ward.Grant{}, err
	}
	if s.broker != nil && len(officers) > 0 {
		data, _ := json.Marshal(Alert{ID: g.ID, UserID: g.UserID, UserName: p.User.Name, PatientID: g.PatientID,
			Category: g.Reason.Category, OpenedAt: g.OpenedAt, ExpiresAt: g.ExpiresAt})
		if err := s.broker.Publish(ctx, realtime.Event{Type: BreakGlassOpened, OrgID: p.User.OrgID, Data: data, Users: officers}); err != nil {
			s.log.Error("break-glass alert not published", "grant", g.ID, "err", err.Error())
		}
	}
	s.emailAlert(clinic, emails, g.ID)
	return g, nil
}

// emailAlert emails each officer a PHI-free alert in the background: the
// clinician's emergency does not wait for a mail server.
func (s *Service) emailAlert(clinic string, to []string, grantID string) {
	if s.mailer == nil || len(to) == 0 {
		return
	}
	s.mails.Add(1)
	go func() {
		defer s.mails.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, addr := range to {
			if err := s.mailer.Send(ctx, addr, mail.BreakGlass{Clinic: clinic, Link: s.link}); err != nil {
				s.log.Error("break-glass alert email not sent", "grant", grantID, "err", err.Error())
			}
		}
	}()
}

// BreakGlassConversations lists the conversations about the patient of
// break-glass id of p, with their titles, while it is live. Audited
// (breakglass.read, reason "break-glass <id>: N conversations listed").
func (s *Service) BreakGlassConversations(ctx context.Context, p *access.Principal, id string) ([]Found, error) {
	if err := p.Can(authz.BreakGlassOpen); err != nil {
		return nil, err
	}
	g, err := s.live(ctx, p, ward.GrantBreakGlass, id)
	if err != nil {
		return nil, err
	}
	var rows []store.Conversation
	err = s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.PatientConversations(ctx, p.User.OrgID, g.PatientID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Found, len(rows))
	for i, row := range rows {
		out[i] = found(row)
		c, err := s.tr.OpenConversation(ctx, row)
		if err != nil {
			return nil, err
		}
		out[i].Title = c.Title
	}
	e := p.Event(audit.BreakGlassRead, "patient", g.PatientID)
	e.PatientID = g.PatientID
	e.Reason = fmt.Sprintf("break-glass %s: %d conversations listed", g.ID, len(out))
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
		return nil, err
	}
	return out, nil
}

// BreakGlassMessages reads a page of conversation convID, which must be
// about the break-glass's patient, while break-glass id of p is live; each
// page audited (breakglass.read) before the answer.
func (s *Service) BreakGlassMessages(ctx context.Context, p *access.Principal, id, convID string, after int64, limit int) ([]ward.Message, error) {
	if err := p.Can(authz.BreakGlassOpen); err != nil {
		return nil, err
	}
	if convID == "" || len(convID) > 64 {
		return nil, ward.Errorf(ward.CodeNotFound, "no such conversation")
	}
	return s.tr.ReadGranted(ctx, p, after, limit, func(tx *store.Tx) (string, audit.Event, error) {
		g, err := s.liveIn(ctx, tx, p, ward.GrantBreakGlass, id)
		if err != nil {
			return "", audit.Event{}, err
		}
		c, err := tx.ConversationByID(ctx, p.User.OrgID, convID)
		if err == nil && c.PatientID != g.PatientID {
			err = ward.Errorf(ward.CodeNotFound, "no such conversation")
		}
		if err != nil {
			return "", audit.Event{}, err
		}
		e := p.Event(audit.BreakGlassRead, "conversation", convID)
		e.PatientID, e.Reason = g.PatientID, "break-glass "+g.ID
		return convID, e, nil
	})
}

// BreakGlassAttachment opens an attachment of conversation convID, which
// must be about the break-glass's patient, while break-glass id of p is
// live; audited (breakglass.read, resource the attachment) before it is
// returned.
func (s *Service) BreakGlassAttachment(ctx context.Context, p *access.Principal, id, convID, attachmentID string) (ward.Attachment, io.ReadCloser, error) {
	if err := p.Can(authz.BreakGlassOpen); err != nil {
		return ward.Attachment{}, nil, err
	}
	if convID == "" || len(convID) > 64 {
		return ward.Attachment{}, nil, ward.Errorf(ward.CodeNotFound, "no such conversation")
	}
	if attachmentID == "" || len(attachmentID) > 64 {
		return ward.Attachment{}, nil, ward.Errorf(ward.CodeNotFound, "no such attachment")
	}
	var g store.GrantRow
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if g, err = s.liveIn(ctx, tx, p, ward.GrantBreakGlass, id); err != nil {
			return err
		}
		c, err := tx.ConversationByID(ctx, p.User.OrgID, convID)
		if err == nil && c.PatientID != g.PatientID {
			err = ward.Errorf(ward.CodeNotFound, "no such conversation")
		}
		return err
	})
	if err != nil {
		return ward.Attachment{}, nil, err
	}
	e := p.Event(audit.BreakGlassRead, "attachment", attachmentID)
	e.Reason = fmt.Sprintf("break-glass %s: conversation %s", g.ID, convID)
	return s.tr.OpenGrantedAttachment(ctx, p, convID, attachmentID, e)
}

// Queue lists the org's break-glass uses, newest first (opened before
// before; zero: the newest), only those not yet judged when unjudged.
func (s *Service) Queue(ctx context.Context, p *access.Principal, unjudged bool, before time.Time) ([]ward.Grant, error) {
	if err := p.Can(authz.BreakGlassReview); err != nil {
		return nil, err
	}
	var rows []store.GrantRow
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.Grants(ctx, p.User.OrgID, store.GrantFilter{Kind: ward.GrantBreakGlass, Before: before, Unjudged: unjudged, Limit: MaxLog})
		return err
	})
	if err != nil {
		return nil, err
	}
	gs, err := s.opened(ctx, rows, true)
	if err != nil {
		return nil, err
	}
	return gs, s.recordRead(ctx, p, "the break-glass queue", gs)
}

// Judge records compliance's verdict on break-glass use id: justified or
// unjustified, with a note (required, sealed). Once only (CodeConflict
// after); audited as breakglass.judged.
func (s *Service) Judge(ctx context.Context, p *access.Principal, id, verdict, note string) (ward.Grant, error) {
	if err := p.Can(authz.BreakGlassReview); err != nil {
		return ward.Grant{}, err
	}
	if verdict != ward.VerdictJustified && verdict != ward.VerdictUnjustified {
		return ward.Grant{}, ward.Errorf(ward.CodeInvalid, "verdict is justified or unjustified")
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return ward.Grant{}, ward.Errorf(ward.CodeReasonRequired, "add a note saying why")
	case utf8.RuneCountInString(note) > ward.MaxReasonLen || !utf8.ValidString(note):
		return ward.Grant{}, ward.Errorf(ward.CodeInvalid, "the note is at most %d characters of text", ward.MaxReasonLen)
	}
	if len(id) == 0 || len(id) > 64 {
		return ward.Grant{}, ward.Errorf(ward.CodeNotFound, "no such break-glass")
	}
	sealed, err := s.keys.Seal(ctx, ref(p.User.OrgID, id, "note"), []byte(note))
	if err != nil {
		return ward.Grant{}, err
	}
	var row store.GrantRow
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		g, err := tx.GrantByID(ctx, p.User.OrgID, id)
		if err == nil && g.Kind != ward.GrantBreakGlass {
			err = ward.Errorf(ward.CodeNotFound, "no such break-glass")
		}
		if err != nil {
			return err
		}
		if err := tx.JudgeGrant(ctx, p.User.OrgID, id, verdict, sealed, p.User.ID); err != nil {
			return err
		}
		e := p.Event(audit.BreakGlassJudged, "breakglass", id)
		e.PatientID, e.Reason = g.PatientID, verdict
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		row, err = tx.GrantByID(ctx, p.User.OrgID, id)
		return err
	})
	if err != nil {
		return ward.Grant{}, err
	}
	gs, err := s.opened(ctx, []store.GrantRow{row}, true)
	if err != nil {
		return ward.Grant{}, err
	}
	return gs[0], nil
}
