package holds

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Policy is one retention policy in the overview: its setting (0: keep
// forever), what it would destroy if the job ran now (DueNow), what is due
// but a legal hold keeps (Held), and when the next item not held falls due
// (zero: none). The retention job runs every few minutes, so an item is
// destroyed shortly after NextDue.
type Policy struct {
	Name    string        `json:"name"`    // message_lifespan, attachment_retention, patient_retention, audit_retention
	Setting ward.Duration `json:"setting"` // whole seconds; 0: kept forever
	DueNow  int           `json:"due_now"`
	Held    int           `json:"held"`
	NextDue time.Time     `json:"next_due,omitzero"`
	// Conversations, for message_lifespan, counts conversations with a
	// lifespan of their own (the shorter of the two applies).
	Conversations int `json:"conversations_with_own_lifespan,omitempty"`
}

// Overview is every retention policy of an org in one place, with the
// legal holds that keep things from them.
type Overview struct {
	Policies    []Policy `json:"policies"`
	ActiveHolds int      `json:"active_holds"`
	HeldCopies  int      `json:"held_copies"` // kept bodies of recalled messages under hold
}

// Overview computes the caller's org's retention overview at the store's
// clock, by SQL over ids and times: no PHI is read.
func (s *Service) Overview(ctx context.Context, p *access.Principal) (Overview, error) {
	if err := p.Can(authz.RetentionRead); err != nil {
		return Overview{}, err
	}
	org := p.User.OrgID
	var o Overview
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		pol, err := tx.Policy(ctx, org)
		if err != nil {
			return err
		}
		msgs := Policy{Name: "message_lifespan", Setting: pol.MessageLifespan}
		if msgs.Conversations, err = tx.ConversationsWithLifespan(ctx, org); err != nil {
			return err
		}
		if err := due(&msgs, func() (store.Due, error) { return tx.MessagesDue(ctx, org, msgs.Setting.D()) }, msgs.Setting > 0 || msgs.Conversations > 0); err != nil {
			return err
		}
		att := Policy{Name: "attachment_retention", Setting: pol.AttachmentRetention}
		if err := due(&att, func() (store.Due, error) { return tx.AttachmentsDue(ctx, org, att.Setting.D()) }, att.Setting > 0); err != nil {
			return err
		}
		pat := Policy{Name: "patient_retention", Setting: pol.PatientRetention}
		if err := due(&pat, func() (store.Due, error) { return tx.PatientsDue(ctx, org, pat.Setting.D()) }, pat.Setting > 0); err != nil {
			return err
		}
		aud := Policy{Name: "audit_retention", Setting: pol.AuditRetention}
		if err := due(&aud, func() (store.Due, error) { return tx.AuditDue(ctx, org, aud.Setting.D()) }, aud.Setting > 0); err != nil {
			return err
		}
		o.Policies = []Policy{msgs, att, pat, aud}
		hs, err := tx.Holds(ctx, org)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if h.Active() {
				o.ActiveHolds++
			}
		}
		o.HeldCopies, err = tx.HeldCopies(ctx, org)
		return err
	})
	return o, err
}

func due(p *Policy, count func() (store.Due, error), on bool) error {
	if !on {
		return nil
	}
	d, err := count()
	if err != nil {
		return err
	}
	p.DueNow, p.Held, p.NextDue = d.Now, d.Held, d.Next
	return nil
}
