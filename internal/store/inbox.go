package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

// Team inbox (migration 0023): a conversation a patient starts with a care
// team carries the team's id, a status, an assignee and, while the patient
// waits for an answer, when their oldest unanswered message arrived. Ids,
// a status and times only; the caller checks who may do what.

// Inbox statuses.
const (
	InboxOpen    = "open"
	InboxWaiting = "waiting" // waiting on the patient
	InboxClosed  = "closed"
)

// InboxThread is one thread of a team inbox.
type InboxThread struct {
	ConversationID string
	TeamID         string
	PatientID      string // the patient record
	Status         string
	AssigneeID     string    // "" when nobody handles it
	WaitingSince   time.Time // zero when the patient is not waiting
	CreatedAt      time.Time
}

const inboxCols = "id, team_id, patient_id, inbox_status, assignee_id, waiting_since, created_at"

func scanInbox(s scanner) (InboxThread, error) {
	var t InboxThread
	var waiting, created int64
	if err := s.Scan(&t.ConversationID, &t.TeamID, &t.PatientID, &t.Status, &t.AssigneeID, &waiting, &created); err != nil {
		return t, err
	}
	if waiting != 0 {
		t.WaitingSince = fromMicros(waiting)
	}
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// PatientRecordOfUser returns the id of the record of an org linked to a
// patient user; CodeNotFound when there is none.
func (tx *Tx) PatientRecordOfUser(ctx context.Context, orgID, userID string) (string, error) {
	var id string
	err := tx.queryRow(ctx, "SELECT id FROM patients WHERE org_id = $1 AND user_id = $2 AND status = 'active'", orgID, userID).Scan(&id)
	return id, tx.d.wrap(err)
}

// MakeInboxThread puts a conversation in a team's inbox, open.
func (tx *Tx) MakeInboxThread(ctx context.Context, convID, teamID string) error {
	return tx.execOne(ctx, "UPDATE conversations SET team_id = $1, inbox_status = $2, inbox_opened_at = $3 WHERE id = $4",
		teamID, InboxOpen, micros(tx.Now), convID)
}

// InboxThreadByID reads an inbox thread of an org; CodeNotFound when the
// conversation is not in any team's inbox.
func (tx *Tx) InboxThreadByID(ctx context.Context, orgID, convID string) (InboxThread, error) {
	t, err := scanInbox(tx.queryRow(ctx, "SELECT "+inboxCols+" FROM conversations WHERE org_id = $1 AND id = $2 AND team_id <> ''", orgID, convID))
	if err != nil {
		return t, tx.d.wrap(err)
	}
	return t, nil
}

// SetInboxAssignee sets who handles an inbox thread ("" nobody).
func (tx *Tx) SetInboxAssignee(ctx context.Context, convID, userID string) error {
	return tx.execOne(ctx, "UPDATE conversations SET assignee_id = $1 WHERE id = $2 AND team_id <> ''", userID, convID)
}

// SetInboxStatus sets an inbox thread's status. Closing an open or waiting
// thread records its resolution; reopening a closed one restarts the time
// the next resolution counts from (inboxevents.go).
func (tx *Tx) SetInboxStatus(ctx context.Context, convID, status string) error {
	if status == InboxClosed {
		if err := tx.recordResolution(ctx, convID); err != nil {
			return err
		}
	}
	return tx.execOne(ctx, `UPDATE conversations SET inbox_status = $1,
		inbox_opened_at = CASE WHEN inbox_status = $2 AND $1 <> $2 THEN $3 ELSE inbox_opened_at END
		WHERE id = $4 AND team_id <> ''`, status, InboxClosed, micros(tx.Now), convID)
}

// InboxMessageSent updates an inbox thread after a user's message: one
// from the patient starts the wait (if it was not running) and reopens the
// thread (a closed one is then open again from now on); one from staff
// ends the wait, recording it as a first response (inboxevents.go). Other
// conversations are left alone.
func (tx *Tx) InboxMessageSent(ctx context.Context, convID string, fromPatient bool) error {
	var err error
	if fromPatient {
		_, err = tx.exec(ctx, `UPDATE conversations SET inbox_status = $1,
			waiting_since = CASE WHEN waiting_since = 0 THEN $2 ELSE waiting_since END,
			inbox_opened_at = CASE WHEN inbox_status = $3 THEN $2 ELSE inbox_opened_at END
			WHERE id = $4 AND team_id <> ''`, InboxOpen, micros(tx.Now), InboxClosed, convID)
		return err
	}
	if err := tx.recordFirstResponse(ctx, convID); err != nil {
		return err
	}
	_, err = tx.exec(ctx, "UPDATE conversations SET waiting_since = 0 WHERE id = $1 AND team_id <> '' AND waiting_since <> 0", convID)
	return err
}

// TeamInbox lists up to limit threads of a team's inbox with the given
// status: those whose patient waits first, longest waiting first, then the
// others, newest first. (The redundant test that team_id is not empty lets SQLite use the
// partial index conversations_inbox: 4 ms -> 0.9 ms at 10,000 threads.)
func (tx *Tx) TeamInbox(ctx context.Context, teamID, status string, limit int) ([]InboxThread, error) {
	out, err := collect(ctx, tx, scanInbox, "SELECT "+inboxCols+` FROM conversations
		WHERE team_id = $1 AND team_id <> '' AND inbox_status = $2 AND waiting_since > 0 ORDER BY waiting_since, id LIMIT $3`, teamID, status, limit)
	if err != nil || len(out) >= limit {
		return out, err
	}
	rest, err := collect(ctx, tx, scanInbox, "SELECT "+inboxCols+` FROM conversations
		WHERE team_id = $1 AND team_id <> '' AND inbox_status = $2 AND waiting_since = 0 ORDER BY id DESC LIMIT $3`, teamID, status, limit-len(out))
	return append(out, rest...), err
}

// JoinTeamInbox makes a user a member of every conversation in a team's
// inbox and returns how many they joined.
func (tx *Tx) JoinTeamInbox(ctx context.Context, teamID, userID string) (int64, error) {
	tx.forgetTeamInbox()
	res, err := tx.exec(ctx, `INSERT INTO conversation_members (conversation_id, user_id, role, joined_at)
		SELECT id, $1, $2, $3 FROM conversations WHERE team_id = $4 AND team_id <> ''
		ON CONFLICT (conversation_id, user_id) DO NOTHING`, userID, string(ward.MemberMember), micros(tx.Now), teamID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// LeaveTeamInbox takes a user out of every conversation in a team's inbox
// (but not its patient) and returns how many they left.
func (tx *Tx) LeaveTeamInbox(ctx context.Context, teamID, userID string) (int64, error) {
	tx.forgetTeamInbox()
	res, err := tx.exec(ctx, `DELETE FROM conversation_members WHERE user_id = $1
		AND conversation_id IN (SELECT id FROM conversations WHERE team_id = $2 AND team_id <> '')`, userID, teamID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// forgetTeamInbox drops what the writer cache knows of members: many
// conversations' members change at once.
func (tx *Tx) forgetTeamInbox() {
	if tx.wc != nil {
		clear(tx.wc.convs)
		if tx.batch != nil {
			clear(tx.batch.convs)
		}
	}
}

// CloseTeamInbox closes every thread of a (deleted) team's inbox that is
// not closed yet and returns how many it closed; their members keep them.
func (tx *Tx) CloseTeamInbox(ctx context.Context, teamID string) (int64, error) {
	res, err := tx.exec(ctx, "UPDATE conversations SET inbox_status = $1 WHERE team_id = $2 AND team_id <> '' AND inbox_status <> $1",
		InboxClosed, teamID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
