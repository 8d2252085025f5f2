package attachments

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Download is an attachment opened for reading. Body yields the content,
// each chunk only once it authenticates: altered or truncated content
// makes Read fail with CodeIntegrity, never return wrong bytes. The caller
// closes Body.
type Download struct {
	ward.Attachment
	Body io.ReadCloser
}

// Open opens an attachment of a sent message in one of the
// caller's conversations (or one the caller uploaded and has not sent
// yet); to anyone else it does not exist. The download is audited
// (attachment.downloaded, with the conversation and patient) durably
// before it is returned.
func (s *Service) Open(ctx context.Context, p *access.Principal, id string) (Download, error) {
	if err := p.Can(authz.AttachmentDownload); err != nil {
		return Download{}, err
	}
	if s.blobs == nil {
		return Download{}, errNoBlobs()
	}
	if id == "" || len(id) > 64 {
		return Download{}, errNoAttachment()
	}
	var row store.Attachment
	var conv store.Conversation
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if row, err = tx.AttachmentByID(ctx, p.User.OrgID, id); err != nil {
			return errNoAttachmentIf(err)
		}
		if conv, err = s.conv.Member(ctx, tx, p, row.ConversationID); err != nil {
			return errNoAttachmentIf(err)
		}
		if m, _ := conv.Member(p.User.ID); m.HistoryFrom > 0 && row.MessageID != "" {
			// A backup reads from the urgent message on: not an earlier message's attachments.
			msg, err := tx.MessageByID(ctx, p.User.OrgID, row.MessageID)
			if err != nil {
				return errNoAttachmentIf(err)
			}
			if msg.Seq < m.HistoryFrom {
				return errNoAttachment()
			}
		}
		switch {
		case row.MessageID == "" && row.UploaderID != p.User.ID:
			return errNoAttachment()
		case !row.DeletedAt.IsZero() || row.BlobKey == "":
			return ward.Errorf(ward.CodeNotFound, "the attachment was deleted (its message was recalled or purged, or it was never sent)")
		}
		return nil
	})
	if err != nil {
		return Download{}, err
	}
	att, err := s.openName(ctx, row)
	if err != nil {
		return Download{}, err
	}
	rc, err := s.blobs.Open(ctx, row.BlobKey)
	if err != nil {
		return Download{}, err
	}
	pt, err := s.keys.NewDecryptReader(ctx, contentRef(row.OrgID, row.ConversationID, row.ID), rc)
	if err != nil {
		rc.Close()
		return Download{}, err
	}
	e := p.Event(audit.AttachmentDownloaded, "attachment", row.ID)
	e.PatientID, e.Reason = conv.PatientID, "conversation "+conv.ID
	if err := s.audit.Record(ctx, e); err != nil {
		rc.Close()
		return Download{}, err
	}
	return Download{Attachment: att, Body: readCloser{pt, rc}}, nil
}

// OpenGranted opens attachment id of a sent message of
// conversation convID for p, who reads under a grant the caller checked;
// e is recorded (with the conversation's patient) before it is returned.
func (s *Service) OpenGranted(ctx context.Context, p *access.Principal, convID, id string, e audit.Event) (ward.Attachment, io.ReadCloser, error) {
	if s.blobs == nil {
		return ward.Attachment{}, nil, errNoBlobs()
	}
	var row store.Attachment
	var conv store.Conversation
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if row, err = tx.AttachmentByID(ctx, p.User.OrgID, id); err != nil {
			return errNoAttachmentIf(err)
		}
		if row.ConversationID != convID || row.MessageID == "" {
			return errNoAttachment()
		}
		if !row.DeletedAt.IsZero() || row.BlobKey == "" {
			return ward.Errorf(ward.CodeNotFound, "the attachment was deleted (its message was recalled or purged)")
		}
		conv, err = tx.ConversationByID(ctx, p.User.OrgID, convID)
		return err
	})
	if err != nil {
		return ward.Attachment{}, nil, err
	}
	e.PatientID = conv.PatientID
	return s.openAudited(ctx, row, e)
}

// openAudited opens row's name and content and records e durably before
// it returns them.
func (s *Service) openAudited(ctx context.Context, row store.Attachment, e audit.Event) (ward.Attachment, io.ReadCloser, error) {
	att, err := s.openName(ctx, row)
	if err != nil {
		return ward.Attachment{}, nil, err
	}
	rc, err := s.blobs.Open(ctx, row.BlobKey)
	if err != nil {
		return ward.Attachment{}, nil, err
	}
	pt, err := s.keys.NewDecryptReader(ctx, contentRef(row.OrgID, row.ConversationID, row.ID), rc)
	if err != nil {
		rc.Close()
		return ward.Attachment{}, nil, err
	}
	if err := s.audit.Record(ctx, e); err != nil {
		rc.Close()
		return ward.Attachment{}, nil, err
	}
	return att, readCloser{pt, rc}, nil
}

// errNoAttachmentIf turns not_found into the answer for an attachment that
// does not exist or is not the caller's to see.
func errNoAttachmentIf(err error) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return errNoAttachment()
	}
	return err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// openName opens a stored attachment's name.
func (s *Service) openName(ctx context.Context, row store.Attachment) (ward.Attachment, error) {
	att := row.Attachment
	name, err := s.keys.Open(ctx, nameRef(row.OrgID, row.ConversationID, row.ID), row.NameSealed)
	if err != nil {
		return ward.Attachment{}, err
	}
	att.Name = string(name)
	return att, nil
}

// Names opens the names of a message's attachments.
func (s *Service) Names(ctx context.Context, rows []store.Attachment) ([]ward.Attachment, error) {
	var out []ward.Attachment
	for _, r := range rows {
		att, err := s.openName(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, att)
	}
	return out, nil
}

// ValidIDs checks the shape of a send's attachment ids.
func ValidIDs(ids []string) error {
	if len(ids) > ward.MaxAttachmentsPerMessage {
		return ward.Errorf(ward.CodeInvalid, "a message carries at most %d attachments", ward.MaxAttachmentsPerMessage)
	}
	for i, id := range ids {
		if id == "" || len(id) > 64 || strings.TrimSpace(id) != id {
			return ward.Errorf(ward.CodeInvalid, "attachment_ids must be attachment ids")
		}
		if slices.Contains(ids[:i], id) {
			return ward.Errorf(ward.CodeInvalid, "attachment_ids names an attachment twice")
		}
	}
	return nil
}

// Sent loads and opens the attachments of one message.
func (s *Service) Sent(ctx context.Context, messageID string) ([]ward.Attachment, error) {
	var rows map[string][]store.Attachment
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.MessageAttachments(ctx, []string{messageID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Names(ctx, rows[messageID])
}
