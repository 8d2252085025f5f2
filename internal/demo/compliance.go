package demo

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
)

// ComplianceMatter is the demo compliance case: a records request about the
// first demo patient, whose conversation is under a legal hold and was
// reviewed once by the compliance officer.
const ComplianceMatter = "Example v. Demo Clinic (records request)"

// complianceCase places the demo legal hold on the conversation about the
// first demo patient and opens one review of it, with a reason; it does
// nothing when the hold is there already (a re-run).
func (s *seeder) complianceCase(ctx context.Context) error {
	if s.holds == nil || s.compliance == nil {
		return nil
	}
	officer := s.as("compliance")
	held, err := s.holds.List(ctx, officer)
	if err != nil {
		return err
	}
	for _, h := range held {
		if h.Matter == ComplianceMatter {
			return nil
		}
	}
	conv, err := s.conversationTitled(ctx, "priya.shah", "Echo follow-up")
	if err != nil {
		return err
	}
	if _, err := s.holds.Place(ctx, officer, ward.LegalHold{Matter: ComplianceMatter, ConversationID: conv.ID}); err != nil {
		return fmt.Errorf("demo legal hold: %w", err)
	}
	_, err = s.compliance.OpenReview(ctx, officer, conv.ID, ward.Reason{Category: ward.ReasonLegalRequest,
		Text: "Records request from the patient's attorney: confirm what was said about the echo."}, 0)
	if err != nil {
		return fmt.Errorf("demo compliance review: %w", err)
	}
	return nil
}

// conversationTitled finds a conversation of the demo user by its title.
func (s *seeder) conversationTitled(ctx context.Context, email, title string) (ward.Conversation, error) {
	list, err := s.a.ListConversations(ctx, s.as(email))
	if err != nil {
		return ward.Conversation{}, err
	}
	for _, c := range list {
		if c.Title == title {
			return c.Conversation, nil
		}
	}
	return ward.Conversation{}, fmt.Errorf("demo conversation %q is missing", title)
}
