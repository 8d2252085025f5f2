package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wardhealth/ward"
)

// BAARow is a business associate agreement (internal/baa): not PHI, all
// in the clear but the document, a sealed blob.
type BAARow struct {
	ID, OrgID string
	Vendor    string
	Service   string
	PHI       string // what PHI the vendor touches
	Status    string // none | requested | signed | expired | terminated
	SignedAt  time.Time
	ExpiresAt time.Time
	DocBlob   string // the sealed document's blob key; "" none
	DocName   string
	DocType   string
	DocSize   int64
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const baaCols = "id, org_id, vendor, service, phi, status, signed_at, expires_at, doc_blob, doc_name, doc_type, doc_size, created_by, created_at, updated_at"

func scanBAA(row scanner) (BAARow, error) {
	var b BAARow
	var signed, expires, created, updated int64
	if err := row.Scan(&b.ID, &b.OrgID, &b.Vendor, &b.Service, &b.PHI, &b.Status, &signed, &expires, &b.DocBlob, &b.DocName,
		&b.DocType, &b.DocSize, &b.CreatedBy, &created, &updated); err != nil {
		return b, err
	}
	b.SignedAt, b.ExpiresAt, b.CreatedAt, b.UpdatedAt = optMicros(signed), optMicros(expires), fromMicros(created), fromMicros(updated)
	return b, nil
}

// InsertBAA stores a new agreement, stamping its times.
func (tx *Tx) InsertBAA(ctx context.Context, b *BAARow) error {
	b.CreatedAt, b.UpdatedAt = tx.Now, tx.Now
	_, err := tx.exec(ctx, "INSERT INTO baas ("+baaCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		b.ID, b.OrgID, b.Vendor, b.Service, b.PHI, b.Status, microsOrZero(b.SignedAt), microsOrZero(b.ExpiresAt), b.DocBlob, b.DocName,
		b.DocType, b.DocSize, b.CreatedBy, micros(tx.Now), micros(tx.Now))
	return err
}

// UpdateBAA replaces an agreement's fields and document.
func (tx *Tx) UpdateBAA(ctx context.Context, b *BAARow) error {
	b.UpdatedAt = tx.Now
	return tx.execOne(ctx, `UPDATE baas SET vendor = $1, service = $2, phi = $3, status = $4, signed_at = $5, expires_at = $6,
		doc_blob = $7, doc_name = $8, doc_type = $9, doc_size = $10, updated_at = $11 WHERE org_id = $12 AND id = $13`,
		b.Vendor, b.Service, b.PHI, b.Status, microsOrZero(b.SignedAt), microsOrZero(b.ExpiresAt), b.DocBlob, b.DocName, b.DocType,
		b.DocSize, micros(tx.Now), b.OrgID, b.ID)
}

// BAAByID reads one agreement of an org.
func (tx *Tx) BAAByID(ctx context.Context, orgID, id string) (BAARow, error) {
	b, err := scanBAA(tx.queryRow(ctx, "SELECT "+baaCols+" FROM baas WHERE org_id = $1 AND id = $2", orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, ward.Errorf(ward.CodeNotFound, "no such agreement")
	}
	return b, tx.d.wrap(err)
}

// BAAs lists an org's agreements by vendor.
func (tx *Tx) BAAs(ctx context.Context, orgID string) ([]BAARow, error) {
	return collect(ctx, tx, scanBAA, "SELECT "+baaCols+" FROM baas WHERE org_id = $1 ORDER BY vendor, id LIMIT 1000", orgID)
}

// SignedBAAsExpiringBy lists every org's signed agreements with an expiry
// before t (the reminder job).
func (tx *Tx) SignedBAAsExpiringBy(ctx context.Context, t time.Time) ([]BAARow, error) {
	return collect(ctx, tx, scanBAA, "SELECT "+baaCols+` FROM baas WHERE status = 'signed' AND expires_at <> 0 AND expires_at <= $1
		ORDER BY expires_at, id`, micros(t))
}
