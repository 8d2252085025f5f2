package attachments

import (
	"context"
	"io"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// A message recalled while a legal hold covered it keeps its attachments
// for the hold: deleted for members (Open refuses them), their sealed
// names and blobs stay until the hold is released and retention drops the
// held copy. Only a compliance review reads them, through OpenHeld.

// OpenHeld opens kept attachment id of a held copy of conversation convID
// for p, who reads under a review the caller checked; e is recorded (with
// the conversation's patient) before it is returned. Any other attachment
// (a live one, one whose copy was dropped) does not exist here.
func (s *Service) OpenHeld(ctx context.Context, p *access.Principal, convID, id string, e audit.Event) (ward.Attachment, io.ReadCloser, error) {
	if s.blobs == nil {
		return ward.Attachment{}, nil, errNoBlobs()
	}
	var row store.Attachment
	var conv store.Conversation
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if row, err = tx.HeldAttachment(ctx, p.User.OrgID, convID, id); err != nil {
			return errNoAttachmentIf(err)
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
