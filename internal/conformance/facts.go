package conformance

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Deployment is how ward is served, which the database does not know:
// internal/server passes its Config; the command line takes the same
// flags (and WARD_* variables) as 'ward serve'.
type Deployment struct {
	TLS            bool   // ward terminates TLS itself (1.2+ only)
	BehindTLSProxy bool   // plain HTTP behind a TLS-terminating proxy (--insecure-behind-tls-proxy)
	CheckpointSink string // --audit-checkpoint-sink ("" none); only whether it is set is reported
}

// Source is where a report's facts come from.
type Source struct {
	Store      *store.Store
	Keyring    *keyring.Keyring
	OrgID      string
	Deployment Deployment
	Now        func() time.Time // nil: time.Now
	Chain      *ChainCache      // nil: verify the audit chain afresh
}

// Facts are what the checks look at, gathered once per report. A check
// registered by another package may query Store for its own evidence.
type Facts struct {
	Store      *store.Store
	OrgID      string
	Org        ward.Org
	Policy     ward.Policy
	Deployment Deployment
	Now        time.Time

	Keys    keyring.Status
	OrgKeys keyring.OrgStatus // this org's keys (zero when it has none yet)

	Audit           audit.Report // the chain verified with the MAC key
	AuditErr        error        // why it did not verify (nil: intact)
	AuditVerifiedAt time.Time    // when (a cached verification is up to ChainCache.TTL old)
	LastCheckpoint  store.AuditCheckpoint

	Users                int // active staff accounts of the org
	WithoutSecondFactor  int // of them, those with no confirmed TOTP and no passkey
	BreakGlassUses       int
	BreakGlassUnreviewed int
	AuditSearches90d     int // audit.searched, compliance.searched and compliance.review in the last 90 days
	LoginFailures30d     int // login.failed and login.throttled events in the last 30 days
}

// gather reads the facts of src.
func gather(ctx context.Context, src Source) (*Facts, error) {
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	f := &Facts{Store: src.Store, OrgID: src.OrgID, Deployment: src.Deployment, Now: now().UTC()}
	var err error
	if f.Keys, err = src.Keyring.Status(ctx); err != nil {
		return nil, err
	}
	for _, o := range f.Keys.Orgs {
		if o.Org == src.OrgID {
			f.OrgKeys = o
		}
	}
	chain, err := src.Chain.verified(ctx, src.Store, src.Keyring, f.Now)
	if err != nil {
		return nil, err
	}
	f.Audit, f.AuditErr, f.AuditVerifiedAt = chain.rep, chain.verr, chain.at
	err = src.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if f.Org, err = tx.OrgByID(ctx, src.OrgID); err != nil {
			return err
		}
		if f.Policy, err = tx.Policy(ctx, src.OrgID); err != nil {
			return err
		}
		if f.LastCheckpoint, err = tx.LastAuditCheckpoint(ctx); err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		users, err := tx.ListUsers(ctx, src.OrgID)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !u.Disabled && u.Role != ward.RolePatient && u.Role != ward.RoleGuest {
				f.Users++
			}
		}
		if f.WithoutSecondFactor, err = tx.StaffWithoutSecondFactor(ctx, src.OrgID); err != nil {
			return err
		}
		if f.BreakGlassUses, f.BreakGlassUnreviewed, err = tx.GrantCounts(ctx, src.OrgID, ward.GrantBreakGlass); err != nil {
			return err
		}
		if f.AuditSearches90d, err = count(ctx, tx, src.OrgID, f.Now.AddDate(0, 0, -90), f.Now,
			audit.AuditSearched, audit.ComplianceSearched, audit.ComplianceReview); err != nil {
			return err
		}
		f.LoginFailures30d, err = count(ctx, tx, src.OrgID, f.Now.AddDate(0, 0, -30), f.Now, audit.LoginFailed, audit.LoginThrottled)
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// count counts an org's events of the actions in [from, to).
func count(ctx context.Context, tx *store.Tx, orgID string, from, to time.Time, actions ...audit.Action) (int, error) {
	n := 0
	for _, a := range actions {
		c, err := tx.CountAuditRows(ctx, store.AuditQuery{OrgID: orgID, Action: string(a), From: from, To: to})
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}
