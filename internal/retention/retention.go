package retention

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Core is what retention asks of internal/app, which owns the session
// caches, the live events of conversations, the attachments' blobs and
// the sealed identities of users.
type Core interface {
	// ChangeAccess runs fn in a write transaction that changes who may do
	// what, then clears the session caches (users: whose access changed).
	ChangeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error
	// EraseAccount shreds a patient user's identity key through shred and
	// closes the account for good, in tx.
	EraseAccount(ctx context.Context, tx *store.Tx, orgID, userID string, shred func(scope, patient string) error) error
	// MessagesPurged deletes the blobs of the attachments a purge of
	// conversation convID just deleted, then tells its members live that
	// its messages up to seq upTo are gone.
	MessagesPurged(ctx context.Context, orgID, convID string, upTo int64, members []string)
	// DropBlobsAfter deletes the blobs of attachments just deleted in
	// conversation convID ("" means every conversation); a failure is
	// logged and left to the attachment sweep.
	DropBlobsAfter(ctx context.Context, convID string)
}

// Service is the retention job.
type Service struct {
	store *store.Store
	keys  *keyring.Keyring // nil: patient records are not shredded
	core  Core
}

// New builds the retention job over st, shredding with keys.
func New(st *store.Store, keys *keyring.Keyring, core Core) *Service {
	return &Service{store: st, keys: keys, core: core}
}

// Report is what one retention run did in an org, in counts.
type Report struct {
	Messages, MessagesHeld       int // messages purged by their lifespan; expired ones a legal hold kept
	Attachments, AttachmentsHeld int // attachments purged by attachment_retention; due ones a hold kept
	Patients, PatientsHeld       int // patient records shredded by patient_retention; due ones a hold kept
	CopiesDropped                int // kept bodies of recalled messages dropped after their hold was released
}

func (r Report) empty() bool { return r == Report{} }

func (r Report) String() string {
	return fmt.Sprintf("messages purged %d (held %d); attachments purged %d (held %d); patients shredded %d (held %d); held copies dropped %d",
		r.Messages, r.MessagesHeld, r.Attachments, r.AttachmentsHeld, r.Patients, r.PatientsHeld, r.CopiesDropped)
}

// Run is the retention job: for every org, the message lifespan
// purge, the attachment retention, the patient retention (crypto-shredding)
// and the dropping of held copies whose hold was released, each skipping
// what an active legal hold covers; then one retention.purged event per org
// that did or kept anything, with the counts. The server runs it every few
// minutes on the leader, at the app's clock. Audit retention is not here:
// `ward audit purge` removes old audit events, and stops at a hold.
func (s *Service) Run(ctx context.Context) (map[string]Report, error) {
	var orgs []ward.Org
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		orgs, err = tx.ListOrgs(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	out := map[string]Report{}
	for _, o := range orgs {
		r, err := s.retainOrg(ctx, o.ID)
		if !r.empty() {
			out[o.ID] = r
			if aerr := s.store.Write(ctx, func(tx *store.Tx) error {
				return audit.Append(ctx, tx, audit.Event{OrgID: o.ID, Actor: access.SystemActor(), Action: audit.RetentionPurged,
					ResourceType: "org", ResourceID: o.ID, Outcome: audit.Success, Reason: r.String()})
			}); aerr != nil && err == nil {
				err = aerr
			}
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *Service) retainOrg(ctx context.Context, orgID string) (Report, error) {
	var r Report
	var err error
	if r.Messages, r.MessagesHeld, err = s.purgeOrgMessages(ctx, orgID); err != nil {
		return r, err
	}
	if r.Attachments, r.AttachmentsHeld, err = s.purgeOrgAttachments(ctx, orgID); err != nil {
		return r, err
	}
	if s.keys != nil {
		if r.Patients, err = s.shredOrgPatients(ctx, orgID); err != nil {
			return r, err
		}
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		pol, err := tx.Policy(ctx, orgID)
		if err != nil {
			return err
		}
		if pol.PatientRetention != 0 {
			if r.PatientsHeld, err = tx.HeldPatientsDue(ctx, orgID, tx.Now.Add(-pol.PatientRetention.D())); err != nil {
				return err
			}
		}
		r.CopiesDropped, err = tx.DropReleasedCopies(ctx, orgID)
		return err
	})
	if err == nil && r.CopiesDropped > 0 {
		s.core.DropBlobsAfter(ctx, "") // the files of the dropped copies' messages
	}
	return r, err
}

// purgeBatch is how many attachments one transaction of
// purgeOrgAttachments deletes.
const purgeBatch = 100

// purgeOrgAttachments deletes the sent attachments of an org older than
// its attachment_retention that no hold covers, batch by batch, then their
// blobs; it returns how many it deleted and how many due ones holds kept.
func (s *Service) purgeOrgAttachments(ctx context.Context, orgID string) (purged, held int, err error) {
	for {
		var n int
		var pol ward.Policy
		err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
			if pol, err = tx.Policy(ctx, orgID); err != nil || pol.AttachmentRetention == 0 {
				return err
			}
			n, err = tx.PurgeAttachments(ctx, orgID, tx.Now.Add(-pol.AttachmentRetention.D()), purgeBatch)
			return err
		})
		if err != nil {
			return purged, 0, err
		}
		purged += n
		if pol.AttachmentRetention == 0 {
			return purged, 0, nil
		}
		if n < purgeBatch {
			break
		}
	}
	if purged > 0 {
		s.core.DropBlobsAfter(ctx, "")
	}
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		pol, err := tx.Policy(ctx, orgID)
		if err != nil {
			return err
		}
		d, err := tx.AttachmentsDue(ctx, orgID, pol.AttachmentRetention.D())
		held = d.Held
		return err
	})
	return purged, held, err
}
