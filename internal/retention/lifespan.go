package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// lifespan is how long a conversation's messages live: the shorter of the
// org's policy and the conversation's own setting, where 0 means no limit.
func lifespan(org, conv time.Duration) time.Duration {
	switch {
	case org <= 0:
		return max(conv, 0)
	case conv <= 0:
		return org
	}
	return min(org, conv)
}

// PurgeExpiredMessages destroys the content of every message older than
// its lifespan (the org's MessageLifespan policy or the conversation's
// own, the shorter of the two): the ciphertext is removed, members see a
// tombstone. A message a legal hold covers is kept (docs/retention.md).
// Each batch of a conversation is one transaction with one message.purged
// event. It returns how many messages it purged; the server
// calls it every few minutes, at the app's clock.
func (s *Service) PurgeExpiredMessages(ctx context.Context) (int, error) {
	var orgs []ward.Org
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		orgs, err = tx.ListOrgs(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, o := range orgs {
		n, _, err := s.purgeOrgMessages(ctx, o.ID)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeOrgMessages purges one org's expired messages; it returns how many
// it purged and how many expired ones a legal hold kept.
func (s *Service) purgeOrgMessages(ctx context.Context, orgID string) (purged, held int, err error) {
	var pol ward.Policy
	var convs []store.ConversationLifespan
	var holds bool
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if pol, err = tx.Policy(ctx, orgID); err != nil {
			return err
		}
		if holds, err = tx.HasActiveHolds(ctx, orgID); err != nil {
			return err
		}
		convs, err = tx.ConversationLifespans(ctx, orgID)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	for _, c := range convs {
		life := lifespan(pol.MessageLifespan.D(), c.Lifespan)
		if life == 0 {
			continue
		}
		n, err := s.purgeConversation(ctx, orgID, c, life)
		purged += n
		if err != nil {
			return purged, held, err
		}
		if holds {
			err := s.store.Read(ctx, func(tx *store.Tx) error {
				n, err := tx.HeldExpired(ctx, c.ID, tx.Now.Add(-life))
				held += n
				return err
			})
			if err != nil {
				return purged, held, err
			}
		}
	}
	return purged, held, nil
}

// purgeConversation purges one conversation's expired messages, batch by batch.
func (s *Service) purgeConversation(ctx context.Context, orgID string, c store.ConversationLifespan, life time.Duration) (int, error) {
	total := 0
	for {
		var n int
		var upTo int64
		var members []string
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			var err error
			if n, upTo, err = tx.PurgeMessages(ctx, c.ID, tx.Now.Add(-life)); err != nil || n == 0 {
				return err
			}
			ms, err := tx.Members(ctx, c.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				members = append(members, m.UserID)
			}
			return audit.Append(ctx, tx, audit.Event{OrgID: orgID, Actor: access.SystemActor(), Action: audit.MessagePurged,
				ResourceType: "conversation", ResourceID: c.ID, PatientID: c.PatientID, Outcome: audit.Success,
				Reason: fmt.Sprintf("%d messages up to seq %d older than the lifespan (%s)", n, upTo, life)})
		})
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, nil
		}
		total += n
		s.core.MessagesPurged(ctx, orgID, c.ID, upTo, members)
		if n < store.PurgeBatch {
			return total, nil
		}
	}
}
