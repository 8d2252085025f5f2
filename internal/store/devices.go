package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

const deviceCols = "id, org_id, user_id, client_id, name, status, wipe, created_at, last_seen_at, last_ip, secret_hash"

// CreateDevice stores a new device, stamped with the transaction time.
func (tx *Tx) CreateDevice(ctx context.Context, d *ward.Device) error {
	d.CreatedAt, d.LastSeenAt = tx.Now, tx.Now
	_, err := tx.exec(ctx, "INSERT INTO devices ("+deviceCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
		d.ID, d.OrgID, d.UserID, d.ClientID, d.Name, string(d.Status), string(d.Wipe),
		micros(d.CreatedAt), micros(d.LastSeenAt), d.LastIP, d.SecretHash)
	return err
}

// DeviceBySecret finds a user's device by the id its client chose and the
// hash of the secret the server issued it (auth.HashDeviceSecret). A client
// id alone names no device: several of a user's devices may share one
// (migration 0015), and a device without a secret (from before) is never
// found.
func (tx *Tx) DeviceBySecret(ctx context.Context, userID, clientID, secretHash string) (ward.Device, error) {
	if secretHash == "" {
		return ward.Device{}, ward.Errorf(ward.CodeNotFound, "no such device")
	}
	return tx.scanDevice(tx.queryRow(ctx, "SELECT "+deviceCols+" FROM devices WHERE user_id = $1 AND client_id = $2 AND secret_hash = $3",
		userID, clientID, secretHash))
}

// DeviceByID finds an org's device.
func (tx *Tx) DeviceByID(ctx context.Context, orgID, id string) (ward.Device, error) {
	return tx.scanDevice(tx.queryRow(ctx, "SELECT "+deviceCols+" FROM devices WHERE org_id = $1 AND id = $2", orgID, id))
}

// ListDevices lists an org's devices, or one user's when userID is set,
// most recently seen first.
func (tx *Tx) ListDevices(ctx context.Context, orgID, userID string) ([]ward.Device, error) {
	q, args := "SELECT "+deviceCols+" FROM devices WHERE org_id = $1", []any{orgID}
	if userID != "" {
		q, args = q+" AND user_id = $2", append(args, userID)
	}
	return collect(ctx, tx, tx.scanDevice, q+" ORDER BY last_seen_at DESC, id", args...)
}

// SetDeviceState stores a device's status and wipe state.
func (tx *Tx) SetDeviceState(ctx context.Context, orgID, id string, status ward.DeviceStatus, wipe ward.WipeState) error {
	return tx.execOne(ctx, "UPDATE devices SET status = $1, wipe = $2 WHERE org_id = $3 AND id = $4",
		string(status), string(wipe), orgID, id)
}

// TouchDevice records that a device was seen at a time from ip.
func (tx *Tx) TouchDevice(ctx context.Context, id, ip string, at time.Time) error {
	return tx.execOne(ctx, "UPDATE devices SET last_seen_at = $1, last_ip = $2 WHERE id = $3", micros(at), ip, id)
}

func (tx *Tx) scanDevice(row scanner) (ward.Device, error) {
	var r deviceRow
	if err := row.Scan(r.dest()...); err != nil {
		return ward.Device{}, tx.d.wrap(err)
	}
	return r.device(), nil
}

// deviceRow is a row of deviceCols as scanned.
type deviceRow struct {
	d             ward.Device
	status, wipe  string
	created, seen int64
}

func (r *deviceRow) dest() []any {
	return []any{&r.d.ID, &r.d.OrgID, &r.d.UserID, &r.d.ClientID, &r.d.Name, &r.status, &r.wipe, &r.created, &r.seen, &r.d.LastIP,
		&r.d.SecretHash}
}

func (r *deviceRow) device() ward.Device {
	d := r.d
	d.Status, d.Wipe = ward.DeviceStatus(r.status), ward.WipeState(r.wipe)
	d.CreatedAt, d.LastSeenAt = fromMicros(r.created), fromMicros(r.seen)
	return d
}
