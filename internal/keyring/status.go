package keyring

import (
	"context"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// Status describes the keys, for 'ward keys status'. It holds no key
// material.
type Status struct {
	MasterKeyID string            // the provider's current master key
	MasterKeys  []MasterKeyStatus // every master key version that wraps something
	Orgs        []OrgStatus
	Secrets     []SecretStatus
	Shredded    int // data keys destroyed so far
}

// MasterKeyStatus counts what one master key version wraps.
type MasterKeyStatus struct {
	ID      string
	Current bool
	KEKs    int
	Secrets int
}

// OrgStatus describes an org's keys.
type OrgStatus struct {
	Org        string
	KEKVersion int       // the current KEK version
	KEKCreated time.Time // when the current KEK was made
	KEKs       int       // KEK versions stored (old ones stay, unused once re-wrapped)
	DEKs       int
	// DEKsOnOldKEK counts data keys still wrapped by an older KEK: an
	// unfinished rotation (run 'ward keys rotate' again to finish it).
	DEKsOnOldKEK int
	OldestDEK    time.Time // zero when the org has no data keys
}

// SecretStatus describes a master-wrapped secret.
type SecretStatus struct {
	Name        string
	MasterKeyID string
	Created     time.Time
}

// Status reports the keys' versions, ages and counts.
func (k *Keyring) Status(ctx context.Context) (Status, error) {
	cur, err := k.p.CurrentKeyID(ctx)
	if err != nil {
		return Status{}, err
	}
	st := Status{MasterKeyID: cur}
	err = k.st.Read(ctx, func(tx *store.Tx) error {
		keks, err := tx.ListKEKs(ctx)
		if err != nil {
			return err
		}
		stats, err := tx.DEKStats(ctx)
		if err != nil {
			return err
		}
		secrets, err := tx.ListSecrets(ctx)
		if err != nil {
			return err
		}
		st.Shredded, err = tx.CountShreddedDEKs(ctx)
		if err != nil {
			return err
		}
		masters := map[string]*MasterKeyStatus{cur: {ID: cur, Current: true}}
		order := []string{cur}
		master := func(id string) *MasterKeyStatus {
			if m, ok := masters[id]; ok {
				return m
			}
			masters[id] = &MasterKeyStatus{ID: id}
			order = append(order, id)
			return masters[id]
		}
		orgs := map[string]*OrgStatus{}
		var orgOrder []string
		for _, r := range keks { // by org, then version
			master(r.MasterKeyID).KEKs++
			o, ok := orgs[r.OrgID]
			if !ok {
				o = &OrgStatus{Org: r.OrgID}
				orgs[r.OrgID] = o
				orgOrder = append(orgOrder, r.OrgID)
			}
			o.KEKs++
			o.KEKVersion, o.KEKCreated = r.Version, r.CreatedAt
		}
		for _, s := range stats {
			o, ok := orgs[s.OrgID]
			if !ok {
				continue // impossible: a foreign key ties DEKs to KEKs
			}
			o.DEKs += s.Count
			if s.KEKVersion != o.KEKVersion {
				o.DEKsOnOldKEK += s.Count
			}
			if o.OldestDEK.IsZero() || s.OldestCreated.Before(o.OldestDEK) {
				o.OldestDEK = s.OldestCreated
			}
		}
		for _, s := range secrets {
			master(s.MasterKeyID).Secrets++
			st.Secrets = append(st.Secrets, SecretStatus{Name: s.Name, MasterKeyID: s.MasterKeyID, Created: s.CreatedAt})
		}
		for _, id := range order {
			st.MasterKeys = append(st.MasterKeys, *masters[id])
		}
		for _, id := range orgOrder {
			st.Orgs = append(st.Orgs, *orgs[id])
		}
		return nil
	})
	return st, err
}
