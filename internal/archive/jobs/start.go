package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// StartRequest is an export to run: at most one of MRN, PatientID,
// ConversationID and UserID (none: every conversation of the org), the
// range [From, To) (RFC 3339 or YYYY-MM-DD in UTC; "" is the beginning,
// and now), and exactly one of Recipient (an age public key, "age1…") and
// Passphrase.
type StartRequest struct {
	MRN            string `json:"mrn"`
	PatientID      string `json:"patient_id"`
	ConversationID string `json:"conversation_id"`
	UserID         string `json:"user_id"`
	From           string `json:"from"`
	To             string `json:"to"`
	Recipient      string `json:"recipient"`
	Passphrase     string `json:"passphrase"`
}

// Passphrase bounds, in characters.
const (
	MinPassphrase = 12
	MaxPassphrase = 1024
)

// Start checks req, counts what it selects (a selection with no messages
// is CodeNotFound, and nothing is stored), stores the job with its key
// sealed, audits archive.export_started and runs it in the background.
func (r *Runner) Start(ctx context.Context, p *access.Principal, req StartRequest) (Job, error) {
	if err := p.Can(authz.ComplianceExport); err != nil {
		return Job{}, err
	}
	org := p.User.OrgID
	sel, err := r.selection(ctx, org, req)
	if err != nil {
		return Job{}, err
	}
	key := archive.Key{Recipient: strings.TrimSpace(req.Recipient), Passphrase: req.Passphrase}
	kind := "recipient"
	if key.Passphrase != "" {
		kind = "passphrase"
		if n := utf8.RuneCountInString(key.Passphrase); n < MinPassphrase || n > MaxPassphrase {
			return Job{}, ward.Errorf(ward.CodeInvalid, "the passphrase is %d to %d characters", MinPassphrase, MaxPassphrase)
		}
	}
	if err := key.Check(); err != nil {
		return Job{}, ward.Errorf(ward.CodeInvalid, "%s", strings.NewReplacer("--recipient", "recipient",
			"WARD_ARCHIVE_PASSPHRASE", "passphrase", " (passphrase)", "").Replace(err.Error()))
	}
	plan, err := r.exp.Plan(ctx, &archive.Request{OrgID: org, Selection: sel})
	if err != nil {
		return Job{}, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	kb, _ := json.Marshal(sealedKey{Recipient: key.Recipient, Passphrase: key.Passphrase})
	sealed, err := r.cfg.Keyring.Seal(ctx, keyRef(org, id), kb)
	clear(kb)
	if err != nil {
		return Job{}, err
	}
	sb, _ := json.Marshal(sel)
	row := store.ArchiveJobRow{ID: id, OrgID: org, UserID: p.User.ID, Selection: string(sb), KeyKind: kind, KeySealed: sealed,
		TotalMessages: int64(plan.Messages), TotalBytes: plan.AttachmentBytes}
	err = r.cfg.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateArchiveJob(ctx, &row); err != nil {
			return err
		}
		e := p.Event(audit.ArchiveExportStarted, "archive_job", id)
		e.PatientID = sel.PatientID
		e.Reason = fmt.Sprintf("selection%s from %s to %s: %d conversations, %d messages, %d attachments (%d bytes); to a %s",
			sel.Note(), sel.From.Format(time.RFC3339), sel.To.Format(time.RFC3339), len(plan.Conversations),
			plan.Messages, plan.Attachments, plan.AttachmentBytes, kind)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Job{}, err
	}
	r.launch(id, org)
	return r.view(row), nil
}

// selection turns req into the ids and dates to export.
func (r *Runner) selection(ctx context.Context, org string, req StartRequest) (archive.Selection, error) {
	n := 0
	for _, v := range []string{req.MRN, req.PatientID, req.ConversationID, req.UserID} {
		if v != "" {
			n++
		}
		if len(v) > 64 {
			return archive.Selection{}, ward.Errorf(ward.CodeInvalid, "an id or MRN is at most 64 characters")
		}
	}
	if n > 1 {
		return archive.Selection{}, ward.Errorf(ward.CodeInvalid, "select by at most one of mrn, patient_id, conversation_id and user_id")
	}
	sel := archive.Selection{PatientID: req.PatientID, ConversationID: req.ConversationID, UserID: req.UserID,
		From: time.Unix(0, 0).UTC(), To: r.cfg.Now().UTC().Add(time.Millisecond)} // to: up to now, included
	var err error
	if req.From != "" {
		if sel.From, err = parseWhen("from", req.From); err != nil {
			return sel, err
		}
	}
	if req.To != "" {
		if sel.To, err = parseWhen("to", req.To); err != nil {
			return sel, err
		}
	}
	if !sel.From.Before(sel.To) {
		return sel, ward.Errorf(ward.CodeInvalid, "from must be before to")
	}
	if req.MRN != "" {
		if r.cfg.Patients == nil {
			return sel, ward.Errorf(ward.CodeUnavailable, "patient records are not available")
		}
		ids, err := r.cfg.Patients.IDsByMRN(ctx, org, req.MRN)
		if err != nil {
			return sel, err
		}
		switch len(ids) {
		case 0:
			return sel, ward.Errorf(ward.CodeNotFound, "no patient record has that MRN")
		case 1:
			sel.PatientID = ids[0]
		default:
			sel.PatientIDs = ids
		}
	}
	return sel, nil
}

// parseWhen reads an RFC 3339 time or a YYYY-MM-DD day (UTC midnight).
func parseWhen(name, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, ward.Errorf(ward.CodeInvalid, "%s must be RFC 3339 or YYYY-MM-DD", name)
}
