package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/wardhealth/ward"
)

// The keyring's tables (migration 0002). These methods are raw SQL: the
// keyring (internal/keyring) decides what to wrap, when and under which key.
// Wrapped values are opaque bytes here.

// KEKRow is one stored, wrapped key-encryption key of an org.
type KEKRow struct {
	OrgID       string
	Version     int
	MasterKeyID string // the master key version that wraps it
	Wrapped     []byte
	CreatedAt   time.Time
	RewrappedAt time.Time
}

// DEKRow is one stored, wrapped data key of a scope.
type DEKRow struct {
	ID          string
	OrgID       string
	Scope       string
	KEKVersion  int // the org KEK version that wraps it
	Wrapped     []byte
	CreatedAt   time.Time
	RewrappedAt time.Time
	// Leaf numbers the shred key file's leaf key that wraps the key inside
	// its org key's wrapping; 0: none (a key made before migration 0042).
	Leaf int64
}

// ShreddedDEK is the tombstone of a destroyed data key.
type ShreddedDEK struct {
	ID         string
	OrgID      string
	Scope      string
	ShreddedAt time.Time
}

// SecretRow is a secret wrapped directly by the master key.
type SecretRow struct {
	Name        string
	MasterKeyID string
	Wrapped     []byte
	CreatedAt   time.Time
	RewrappedAt time.Time
}

// DEKStat counts an org's data keys under one KEK version.
type DEKStat struct {
	OrgID         string
	KEKVersion    int
	Count         int
	OldestCreated time.Time
}

const kekCols = "org_id, version, master_key_id, wrapped, created_at, rewrapped_at"

// InsertKEK stores k unless the org already has that version; it reports
// whether it inserted. It stamps CreatedAt and RewrappedAt.
func (tx *Tx) InsertKEK(ctx context.Context, k *KEKRow) (bool, error) {
	k.CreatedAt, k.RewrappedAt = tx.Now, tx.Now
	res, err := tx.exec(ctx, "INSERT INTO keyring_keks ("+kekCols+") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
		k.OrgID, k.Version, k.MasterKeyID, k.Wrapped, micros(tx.Now), micros(tx.Now))
	return inserted(res, err)
}

// CurrentKEK returns the org's highest KEK version.
func (tx *Tx) CurrentKEK(ctx context.Context, orgID string) (KEKRow, error) {
	return tx.scanKEK(tx.queryRow(ctx, "SELECT "+kekCols+" FROM keyring_keks WHERE org_id = $1 ORDER BY version DESC LIMIT 1", orgID))
}

// KEK returns one KEK version of an org.
func (tx *Tx) KEK(ctx context.Context, orgID string, version int) (KEKRow, error) {
	return tx.scanKEK(tx.queryRow(ctx, "SELECT "+kekCols+" FROM keyring_keks WHERE org_id = $1 AND version = $2", orgID, version))
}

// ListKEKs lists every KEK, by org and version.
func (tx *Tx) ListKEKs(ctx context.Context) ([]KEKRow, error) {
	return tx.kekRows(ctx, "SELECT "+kekCols+" FROM keyring_keks ORDER BY org_id, version")
}

// KEKsNotUnderMaster lists up to limit KEKs wrapped by a master key other
// than masterKeyID.
func (tx *Tx) KEKsNotUnderMaster(ctx context.Context, masterKeyID string, limit int) ([]KEKRow, error) {
	return tx.kekRows(ctx, "SELECT "+kekCols+" FROM keyring_keks WHERE master_key_id <> $1 ORDER BY org_id, version LIMIT $2",
		masterKeyID, limit)
}

// RewrapKEK replaces a KEK's wrapping if it is still wrapped by oldMaster;
// it reports whether it changed the row.
func (tx *Tx) RewrapKEK(ctx context.Context, orgID string, version int, oldMaster, newMaster string, wrapped []byte) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE keyring_keks SET master_key_id = $1, wrapped = $2, rewrapped_at = $3
		WHERE org_id = $4 AND version = $5 AND master_key_id = $6`,
		newMaster, wrapped, micros(tx.Now), orgID, version, oldMaster)
	return inserted(res, err)
}

func (tx *Tx) kekRows(ctx context.Context, query string, args ...any) ([]KEKRow, error) {
	return collect(ctx, tx, tx.scanKEK, query, args...)
}

func (tx *Tx) scanKEK(row scanner) (KEKRow, error) {
	var k KEKRow
	var created, rewrapped int64
	if err := row.Scan(&k.OrgID, &k.Version, &k.MasterKeyID, &k.Wrapped, &created, &rewrapped); err != nil {
		return KEKRow{}, tx.d.wrap(err)
	}
	k.CreatedAt, k.RewrappedAt = fromMicros(created), fromMicros(rewrapped)
	return k, nil
}

const dekCols = "id, org_id, scope, kek_version, wrapped, created_at, rewrapped_at, leaf"

// InsertDEK stores d unless its id or its (org, scope) exists already; it
// reports whether it inserted. It stamps CreatedAt and RewrappedAt.
func (tx *Tx) InsertDEK(ctx context.Context, d *DEKRow) (bool, error) {
	d.CreatedAt, d.RewrappedAt = tx.Now, tx.Now
	res, err := tx.exec(ctx, "INSERT INTO keyring_deks ("+dekCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
		d.ID, d.OrgID, d.Scope, d.KEKVersion, d.Wrapped, micros(tx.Now), micros(tx.Now), nullLeaf(d.Leaf))
	return inserted(res, err)
}

// DEKByScope finds the data key of an org's scope.
func (tx *Tx) DEKByScope(ctx context.Context, orgID, scope string) (DEKRow, error) {
	return tx.scanDEK(tx.queryRow(ctx, "SELECT "+dekCols+" FROM keyring_deks WHERE org_id = $1 AND scope = $2", orgID, scope))
}

// DEKByID finds a data key by its id.
func (tx *Tx) DEKByID(ctx context.Context, id string) (DEKRow, error) {
	return tx.scanDEK(tx.queryRow(ctx, "SELECT "+dekCols+" FROM keyring_deks WHERE id = $1", id))
}

// DEKsNotUnderKEK lists up to limit of an org's data keys wrapped by a KEK
// version other than version, by id.
func (tx *Tx) DEKsNotUnderKEK(ctx context.Context, orgID string, version, limit int) ([]DEKRow, error) {
	rows, err := tx.query(ctx, "SELECT "+dekCols+" FROM keyring_deks WHERE org_id = $1 AND kek_version <> $2 ORDER BY id LIMIT $3",
		orgID, version, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DEKRow
	for rows.Next() {
		d, err := tx.scanDEK(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, tx.d.wrap(rows.Err())
}

// CountDEKsNotUnderKEK counts an org's data keys wrapped by a KEK version
// other than version.
func (tx *Tx) CountDEKsNotUnderKEK(ctx context.Context, orgID string, version int) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM keyring_deks WHERE org_id = $1 AND kek_version <> $2", orgID, version).Scan(&n)
	return n, tx.d.wrap(err)
}

// RewrapDEK replaces a data key's wrapping if it is still wrapped by KEK
// oldVersion; it reports whether it changed the row.
func (tx *Tx) RewrapDEK(ctx context.Context, id string, oldVersion, newVersion int, wrapped []byte) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE keyring_deks SET kek_version = $1, wrapped = $2, rewrapped_at = $3
		WHERE id = $4 AND kek_version = $5`, newVersion, wrapped, micros(tx.Now), id, oldVersion)
	return inserted(res, err)
}

// DestroyDEK overwrites a data key's wrapped bytes with zeros (so SQLite
// rewrites the cell in place rather than leaving it in free space), deletes
// the row and records its tombstone. It reports whether the key existed.
func (tx *Tx) DestroyDEK(ctx context.Context, id string) (bool, error) {
	d, err := tx.DEKByID(ctx, id)
	if err != nil {
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return false, nil
		}
		return false, err
	}
	if _, err := tx.exec(ctx, "UPDATE keyring_deks SET wrapped = $1 WHERE id = $2", make([]byte, len(d.Wrapped)), id); err != nil {
		return false, err
	}
	if _, err := tx.exec(ctx, "DELETE FROM keyring_deks WHERE id = $1", id); err != nil {
		return false, err
	}
	_, err = tx.exec(ctx, "INSERT INTO keyring_shredded (dek_id, org_id, scope, shredded_at, leaf) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		d.ID, d.OrgID, d.Scope, micros(tx.Now), nullLeaf(d.Leaf))
	return err == nil, err
}

// ShreddedDEKByID finds the tombstone of a destroyed data key.
func (tx *Tx) ShreddedDEKByID(ctx context.Context, id string) (ShreddedDEK, error) {
	var s ShreddedDEK
	var at int64
	err := tx.queryRow(ctx, "SELECT dek_id, org_id, scope, shredded_at FROM keyring_shredded WHERE dek_id = $1", id).
		Scan(&s.ID, &s.OrgID, &s.Scope, &at)
	if err != nil {
		return ShreddedDEK{}, tx.d.wrap(err)
	}
	s.ShreddedAt = fromMicros(at)
	return s, nil
}

// CountShreddedDEKs counts destroyed data keys.
func (tx *Tx) CountShreddedDEKs(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM keyring_shredded").Scan(&n)
	return n, tx.d.wrap(err)
}

// DEKStats counts data keys by org and KEK version.
func (tx *Tx) DEKStats(ctx context.Context) ([]DEKStat, error) {
	rows, err := tx.query(ctx, `SELECT org_id, kek_version, COUNT(*), MIN(created_at) FROM keyring_deks
		GROUP BY org_id, kek_version ORDER BY org_id, kek_version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DEKStat
	for rows.Next() {
		var s DEKStat
		var oldest int64
		if err := rows.Scan(&s.OrgID, &s.KEKVersion, &s.Count, &oldest); err != nil {
			return nil, tx.d.wrap(err)
		}
		s.OldestCreated = fromMicros(oldest)
		out = append(out, s)
	}
	return out, tx.d.wrap(rows.Err())
}

func (tx *Tx) scanDEK(row scanner) (DEKRow, error) {
	var d DEKRow
	var created, rewrapped int64
	var leaf sql.NullInt64
	if err := row.Scan(&d.ID, &d.OrgID, &d.Scope, &d.KEKVersion, &d.Wrapped, &created, &rewrapped, &leaf); err != nil {
		return DEKRow{}, tx.d.wrap(err)
	}
	d.CreatedAt, d.RewrappedAt, d.Leaf = fromMicros(created), fromMicros(rewrapped), leaf.Int64
	return d, nil
}

const secretCols = "name, master_key_id, wrapped, created_at, rewrapped_at"

// InsertSecret stores s unless a secret of that name exists; it reports
// whether it inserted. It stamps CreatedAt and RewrappedAt.
func (tx *Tx) InsertSecret(ctx context.Context, s *SecretRow) (bool, error) {
	s.CreatedAt, s.RewrappedAt = tx.Now, tx.Now
	res, err := tx.exec(ctx, "INSERT INTO keyring_secrets ("+secretCols+") VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		s.Name, s.MasterKeyID, s.Wrapped, micros(tx.Now), micros(tx.Now))
	return inserted(res, err)
}

// Secret finds a master-wrapped secret by name.
func (tx *Tx) Secret(ctx context.Context, name string) (SecretRow, error) {
	return tx.scanSecret(tx.queryRow(ctx, "SELECT "+secretCols+" FROM keyring_secrets WHERE name = $1", name))
}

// ListSecrets lists the master-wrapped secrets by name.
func (tx *Tx) ListSecrets(ctx context.Context) ([]SecretRow, error) {
	return tx.secretRows(ctx, "SELECT "+secretCols+" FROM keyring_secrets ORDER BY name")
}

// SecretsNotUnderMaster lists up to limit secrets wrapped by a master key
// other than masterKeyID.
func (tx *Tx) SecretsNotUnderMaster(ctx context.Context, masterKeyID string, limit int) ([]SecretRow, error) {
	return tx.secretRows(ctx, "SELECT "+secretCols+" FROM keyring_secrets WHERE master_key_id <> $1 ORDER BY name LIMIT $2",
		masterKeyID, limit)
}

// RewrapSecret replaces a secret's wrapping if it is still wrapped by
// oldMaster; it reports whether it changed the row.
func (tx *Tx) RewrapSecret(ctx context.Context, name, oldMaster, newMaster string, wrapped []byte) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE keyring_secrets SET master_key_id = $1, wrapped = $2, rewrapped_at = $3
		WHERE name = $4 AND master_key_id = $5`, newMaster, wrapped, micros(tx.Now), name, oldMaster)
	return inserted(res, err)
}

func (tx *Tx) secretRows(ctx context.Context, query string, args ...any) ([]SecretRow, error) {
	return collect(ctx, tx, tx.scanSecret, query, args...)
}

func (tx *Tx) scanSecret(row scanner) (SecretRow, error) {
	var s SecretRow
	var created, rewrapped int64
	if err := row.Scan(&s.Name, &s.MasterKeyID, &s.Wrapped, &created, &rewrapped); err != nil {
		return SecretRow{}, tx.d.wrap(err)
	}
	s.CreatedAt, s.RewrappedAt = fromMicros(created), fromMicros(rewrapped)
	return s, nil
}

// inserted reports whether an INSERT … ON CONFLICT DO NOTHING or a guarded
// UPDATE changed a row.
func inserted(res interface{ RowsAffected() (int64, error) }, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

func nullLeaf(leaf int64) any {
	if leaf == 0 {
		return nil
	}
	return leaf
}

// NextKeyLeaf returns the next free leaf number of the shred key file: one
// past the highest any data key, living or destroyed, has had.
func (tx *Tx) NextKeyLeaf(ctx context.Context) (int64, error) {
	var a, b int64
	if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(leaf), 0) FROM keyring_deks").Scan(&a); err != nil {
		return 0, tx.d.wrap(err)
	}
	if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(leaf), 0) FROM keyring_shredded").Scan(&b); err != nil {
		return 0, tx.d.wrap(err)
	}
	return max(a, b) + 1, nil
}

// ShreddedLeaves lists the leaf numbers of destroyed data keys.
func (tx *Tx) ShreddedLeaves(ctx context.Context) ([]int64, error) {
	return collect(ctx, tx, func(row scanner) (int64, error) {
		var n int64
		return n, tx.d.wrap(row.Scan(&n))
	}, "SELECT leaf FROM keyring_shredded WHERE leaf IS NOT NULL ORDER BY leaf")
}
