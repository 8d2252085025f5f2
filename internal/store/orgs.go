package store

import (
	"context"

	"github.com/wardhealth/ward"
)

// CreateOrg stores a new org. It stamps CreatedAt with the transaction time.
func (tx *Tx) CreateOrg(ctx context.Context, o *ward.Org) error {
	o.CreatedAt = tx.Now
	_, err := tx.exec(ctx, "INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)",
		o.ID, o.Slug, o.Name, micros(o.CreatedAt))
	return err
}

// OrgBySlug finds an org by its slug.
func (tx *Tx) OrgBySlug(ctx context.Context, slug string) (ward.Org, error) {
	return tx.scanOrg(tx.queryRow(ctx, "SELECT id, slug, name, created_at FROM orgs WHERE slug = $1", slug))
}

// OrgByID finds an org by its id.
func (tx *Tx) OrgByID(ctx context.Context, id string) (ward.Org, error) {
	return tx.scanOrg(tx.queryRow(ctx, "SELECT id, slug, name, created_at FROM orgs WHERE id = $1", id))
}

// ListOrgs lists every org, by slug.
func (tx *Tx) ListOrgs(ctx context.Context) ([]ward.Org, error) {
	return collect(ctx, tx, tx.scanOrg, "SELECT id, slug, name, created_at FROM orgs ORDER BY slug")
}

type scanner interface{ Scan(dest ...any) error }

func (tx *Tx) scanOrg(row scanner) (ward.Org, error) {
	var o ward.Org
	var created int64
	if err := row.Scan(&o.ID, &o.Slug, &o.Name, &created); err != nil {
		return ward.Org{}, tx.d.wrap(err)
	}
	o.CreatedAt = fromMicros(created)
	return o, nil
}

// DeleteOrg removes an org that has no users, policy aside (used to undo a
// half-made org).
func (tx *Tx) DeleteOrg(ctx context.Context, id string) error {
	if _, err := tx.exec(ctx, "DELETE FROM org_policies WHERE org_id = $1", id); err != nil {
		return err
	}
	return tx.execOne(ctx, "DELETE FROM orgs WHERE id = $1", id)
}
