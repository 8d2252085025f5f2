package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/wardhealth/ward"
)

// Policy returns an org's policy; an org that never set one has the default.
func (tx *Tx) Policy(ctx context.Context, orgID string) (ward.Policy, error) {
	var doc sql.NullString
	err := tx.queryRow(ctx, "SELECT policy FROM org_policies WHERE org_id = $1", orgID).Scan(&doc)
	if err != nil {
		err = tx.d.wrap(err)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return ward.DefaultPolicy(), nil
		}
		return ward.Policy{}, err
	}
	return parsePolicy(doc)
}

// parsePolicy reads a stored policy document; none (NULL) is the default.
func parsePolicy(doc sql.NullString) (ward.Policy, error) {
	p := ward.DefaultPolicy()
	if !doc.Valid {
		return p, nil
	}
	if err := json.Unmarshal([]byte(doc.String), &p); err != nil {
		return ward.Policy{}, ward.Wrap(ward.CodeIntegrity, err, "stored policy is unreadable")
	}
	return p, nil
}

// PutPolicy stores an org's policy.
func (tx *Tx) PutPolicy(ctx context.Context, orgID string, p ward.Policy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO org_policies (org_id, policy, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
		orgID, string(doc), micros(tx.Now))
	return err
}
