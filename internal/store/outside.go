package store

import (
	"context"
	"time"
)

// OutsideLink is one secure message sent to a guest and the one-time link
// mailed for it (migration 0026). No PHI: ids, hashes and times.
type OutsideLink struct {
	ID, OrgID, ConversationID string
	MessageID                 string
	MessageSeq                int64
	SenderID, GuestID         string
	TokenHash                 string
	CreatedAt, ExpiresAt      time.Time
	OpenedAt                  time.Time // zero: the link was not used
	CodeHash                  string    // the email one-time code's hash; "" none sent
	CodeExpiresAt             time.Time
	CodeTries                 int
	// Replied, read by OutsideLinksBySender and OutsideLinksOf: the guest
	// sent a message in the conversation after this one.
	Replied bool
}

const outsideCols = "l.id, l.org_id, l.conversation_id, l.message_id, l.message_seq, l.sender_id, l.guest_id, l.token_hash," +
	" l.created_at, l.expires_at, l.opened_at, l.code_hash, l.code_expires_at, l.code_tries"

// repliedCol says whether the guest wrote after the link's message.
const repliedCol = ", EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = l.conversation_id" +
	" AND m.sender_id = l.guest_id AND m.seq > l.message_seq)"

func (tx *Tx) scanOutside(s scanner, replied bool) (OutsideLink, error) {
	var r OutsideLink
	var created, expires, opened, codeExp int64
	dest := []any{&r.ID, &r.OrgID, &r.ConversationID, &r.MessageID, &r.MessageSeq, &r.SenderID, &r.GuestID, &r.TokenHash,
		&created, &expires, &opened, &r.CodeHash, &codeExp, &r.CodeTries}
	if replied {
		dest = append(dest, &r.Replied)
	}
	err := s.Scan(dest...)
	r.CreatedAt, r.ExpiresAt = fromMicros(created), fromMicros(expires)
	r.OpenedAt, r.CodeExpiresAt = optMicros(opened), optMicros(codeExp)
	return r, tx.d.wrap(err)
}

func (tx *Tx) scanOutsideReplied(s scanner) (OutsideLink, error) { return tx.scanOutside(s, true) }

// InsertOutsideLink stores a new link, created now.
func (tx *Tx) InsertOutsideLink(ctx context.Context, r *OutsideLink) error {
	r.CreatedAt = tx.Now
	_, err := tx.exec(ctx, "INSERT INTO outside_links (id, org_id, conversation_id, message_id, message_seq, sender_id, guest_id,"+
		" token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		r.ID, r.OrgID, r.ConversationID, r.MessageID, r.MessageSeq, r.SenderID, r.GuestID, r.TokenHash, micros(tx.Now), micros(r.ExpiresAt))
	return err
}

// OutsideLinkByToken reads the link whose token hashes to tokenHash; none
// is CodeNotFound.
func (tx *Tx) OutsideLinkByToken(ctx context.Context, tokenHash string) (OutsideLink, error) {
	return tx.scanOutside(tx.queryRow(ctx, "SELECT "+outsideCols+" FROM outside_links l WHERE l.token_hash = $1", tokenHash), false)
}

// OutsideThread reads the latest link of a conversation of an org; a
// conversation that is no outside thread is CodeNotFound.
func (tx *Tx) OutsideThread(ctx context.Context, orgID, convID string) (OutsideLink, error) {
	return tx.scanOutside(tx.queryRow(ctx, "SELECT "+outsideCols+repliedCol+" FROM outside_links l"+
		" WHERE l.org_id = $1 AND l.conversation_id = $2 ORDER BY l.created_at DESC, l.id DESC LIMIT 1", orgID, convID), true)
}

// OutsideLinksBySender lists the links a user sent, newest first, at most
// limit, with whether the guest replied to each.
func (tx *Tx) OutsideLinksBySender(ctx context.Context, orgID, senderID string, limit int) ([]OutsideLink, error) {
	return collect(ctx, tx, tx.scanOutsideReplied, "SELECT "+outsideCols+repliedCol+" FROM outside_links l"+
		" WHERE l.org_id = $1 AND l.sender_id = $2 ORDER BY l.created_at DESC, l.id DESC LIMIT $3", orgID, senderID, limit)
}

// SetOutsideCode stores the hash of a new email one-time code for a link.
func (tx *Tx) SetOutsideCode(ctx context.Context, id, codeHash string, expires time.Time) error {
	return tx.execOne(ctx, "UPDATE outside_links SET code_hash = $1, code_expires_at = $2, code_tries = 0 WHERE id = $3",
		codeHash, micros(expires), id)
}

// CountOutsideCodeTry counts one wrong try of a link's code.
func (tx *Tx) CountOutsideCodeTry(ctx context.Context, id string) error {
	return tx.execOne(ctx, "UPDATE outside_links SET code_tries = code_tries + 1 WHERE id = $1", id)
}

// OpenOutsideLink marks a link used now. A link used meanwhile is not
// changed: false.
func (tx *Tx) OpenOutsideLink(ctx context.Context, id string) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE outside_links SET opened_at = $1, code_hash = '' WHERE id = $2 AND opened_at = 0",
		micros(tx.Now), id)
	return inserted(res, err)
}
