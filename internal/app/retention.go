package app

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// RetentionReport is what one retention run did in an org, in counts.
type RetentionReport struct {
	Messages, MessagesHeld       int // messages purged by their lifespan; expired ones a legal hold kept
	Attachments, AttachmentsHeld int // attachments purged by attachment_retention; due ones a hold kept
	Patients, PatientsHeld       int // patient records shredded by patient_retention; due ones a hold kept
	CopiesDropped                int // kept bodies of recalled messages dropped after their hold was released
}

func (r RetentionReport) empty() bool { return r == RetentionReport{} }

func (r RetentionReport) String() string {
	return fmt.Sprintf("messages purged %d (held %d); attachments purged %d (held %d); patients shredded %d (held %d); held copies dropped %d",
		r.Messages, r.MessagesHeld, r.Attachments, r.AttachmentsHeld, r.Patients, r.PatientsHeld, r.CopiesDropped)
}

// RunRetention is the retention job: for every org, the message lifespan
// purge, the attachment retention, the patient retention (crypto-shredding)
// and the dropping of held copies whose hold was released, each skipping
// what an active legal hold covers; then one retention.purged event per org
// that did or kept anything, with the counts. The server runs it every few
// minutes on the leader, at the app's clock. Audit retention is not here:
// `ward audit purge` removes old audit events, and stops at a hold.
func (a *App) RunRetention(ctx context.Context) (map[string]RetentionReport, error) {
	var orgs []ward.Org
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		orgs, err = tx.ListOrgs(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	out := map[string]RetentionReport{}
	for _, o := range orgs {
		r, err := a.retainOrg(ctx, o.ID)
		if !r.empty() {
			out[o.ID] = r
			if aerr := a.store.Write(ctx, func(tx *store.Tx) error {
				return audit.Append(ctx, tx, audit.Event{OrgID: o.ID, Actor: cliActor(), Action: audit.RetentionPurged,
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

func (a *App) retainOrg(ctx context.Context, orgID string) (RetentionReport, error) {
	var r RetentionReport
	var err error
	if r.Messages, r.MessagesHeld, err = a.purgeOrgMessages(ctx, orgID); err != nil {
		return r, err
	}
	if r.Attachments, r.AttachmentsHeld, err = a.purgeOrgAttachments(ctx, orgID); err != nil {
		return r, err
	}
	if a.keys != nil {
		if r.Patients, err = a.shredOrgPatients(ctx, orgID); err != nil {
			return r, err
		}
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
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
		a.dropBlobsAfter(ctx, "") // the files of the dropped copies' messages
	}
	return r, err
}

// purgeOrgAttachments deletes the sent attachments of an org older than
// its attachment_retention that no hold covers, batch by batch, then their
// blobs; it returns how many it deleted and how many due ones holds kept.
func (a *App) purgeOrgAttachments(ctx context.Context, orgID string) (purged, held int, err error) {
	for {
		var n int
		var pol ward.Policy
		err := a.store.Write(ctx, func(tx *store.Tx) (err error) {
			if pol, err = tx.Policy(ctx, orgID); err != nil || pol.AttachmentRetention == 0 {
				return err
			}
			n, err = tx.PurgeAttachments(ctx, orgID, tx.Now.Add(-pol.AttachmentRetention.D()), blobBatch)
			return err
		})
		if err != nil {
			return purged, 0, err
		}
		purged += n
		if pol.AttachmentRetention == 0 {
			return purged, 0, nil
		}
		if n < blobBatch {
			break
		}
	}
	if purged > 0 {
		a.dropBlobsAfter(ctx, "")
	}
	err = a.store.Read(ctx, func(tx *store.Tx) error {
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
