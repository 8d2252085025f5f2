package inbox

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// AutoReplyEvery is how often at most a team inbox thread gets its team's
// after-hours auto-reply: a patient who writes several messages in an
// evening gets one answer, not one per message; who writes again after
// the night (still after hours) may get another.
const AutoReplyEvery = 12 * time.Hour

// PatientWrote answers a patient's message in conversation convID of org
// orgID with the thread's team auto-reply when the conversation is a team
// inbox thread, the team is after hours and has an auto-reply, and the
// thread had none in the last AutoReplyEvery. The reply is a message of
// kind auto_reply sent by the team (internal/app, PostTeamMessage): the
// patient's wait goes on. internal/app calls it after a patient's message
// is committed (app.PatientMessageHook).
func (s *Service) PatientWrote(ctx context.Context, orgID, convID string) error {
	if s.auto == nil || s.convs == nil {
		return nil
	}
	var t store.InboxThread
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		t, err = tx.InboxThreadByID(ctx, orgID, convID)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return nil // not a team inbox thread
	}
	if err != nil {
		return err
	}
	text, ok, err := s.auto.TeamAutoReply(ctx, orgID, t.TeamID, s.now())
	if err != nil || !ok {
		return err
	}
	_, _, err = s.convs.PostTeamMessage(ctx, orgID, convID, t.TeamID, ward.MessageAutoReply, text, func(tx *store.Tx) (bool, error) {
		return tx.ClaimAutoReply(ctx, convID, tx.Now.Add(-AutoReplyEvery))
	})
	return err
}
