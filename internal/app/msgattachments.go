package app

import (
	"context"
	"slices"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/store"
)

// Attachments are the files sent with messages (internal/attachments):
// uploads, downloads, the sweep of unsent ones. Sending links them
// (SendRequest.AttachmentIDs); recalling or purging a message deletes them.
func (a *App) Attachments() *attachments.Service { return a.attachments }

// memberCheck is what attachments ask of the app (attachments.Conversations).
type memberCheck struct{}

func (memberCheck) Member(ctx context.Context, tx *store.Tx, p *Principal, convID string) (store.Conversation, error) {
	return member(ctx, tx, p, convID)
}

func (memberCheck) NoConversation() error { return errNoConversation() }

// liveMessageIDs lists the ids of the messages that are not tombstones.
func liveMessageIDs(rows []store.Message) []string {
	var ids []string
	for _, r := range rows {
		if !r.Tombstone() {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// retriedWithAttachments answers a retried send (see retried): the earlier
// message with its attachments, or a conflict when the retry names other
// attachments than the first send did.
func (a *App) retriedWithAttachments(ctx context.Context, earlier store.Message, req SendRequest) (ward.Message, bool, error) {
	m, created, err := a.retried(ctx, earlier, req.Body)
	if err != nil {
		return m, created, err
	}
	if m.Attachments, err = a.attachments.Sent(ctx, m.ID); err != nil {
		return ward.Message{}, false, err
	}
	sent := make([]string, len(m.Attachments))
	for i, att := range m.Attachments {
		sent[i] = att.ID
	}
	want := slices.Clone(req.AttachmentIDs)
	slices.Sort(sent)
	slices.Sort(want)
	if !slices.Equal(sent, want) {
		return ward.Message{}, false, ward.Errorf(ward.CodeConflict,
			"client_id was already used for a message with other attachments; use a new client_id for a new message")
	}
	return m, created, nil
}
