package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
)

// TestMigrationDeviceSecrets: migration 0015 keeps every device and the
// sessions that refer to them, gives them no secret (so no sign-in finds
// them by client id again), and lets a second device share a client id.
func TestMigrationDeviceSecrets(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	eachAtVersion(t, clock.Now, 13, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.ExecForTest(ctx, `INSERT INTO devices (id, org_id, user_id, client_id, name, status, wipe, created_at, last_seen_at, last_ip)
				VALUES ('d1', 'o1', 'u1', 'client-1234', 'phone', 'active', '', 1, 1, '10.0.0.1')`); err != nil {
				return err
			}
			return tx.ExecForTest(ctx, `INSERT INTO sessions (id, token_hash, org_id, user_id, device_id, created_at, last_seen_at, expires_at)
				VALUES ('s1', 'h1', 'o1', 'u1', 'd1', 1, 1, 9999999999999999)`)
		})
		applied, err := s.Migrate(ctx)
		if err != nil || !slices.Contains(applied, "0015_device_secrets.sql") {
			t.Fatalf("migrate: %v %v", applied, err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			d, err := tx.DeviceByID(ctx, "o1", "d1")
			if err != nil || d.ClientID != "client-1234" || d.Status != ward.DeviceActive || d.LastIP != "10.0.0.1" || d.SecretHash != "" {
				t.Errorf("device after the migration: %+v %v", d, err)
			}
			if o, err := tx.SessionOwnerByTokenHash(ctx, "h1"); err != nil || o.Device.ID != "d1" {
				t.Errorf("session after the migration: %+v %v", o, err)
			}
			if _, err := tx.DeviceBySecret(ctx, "u1", "client-1234", ""); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a device from before is found without a secret: %v", err)
			}
			d2 := ward.Device{ID: "d2", OrgID: "o1", UserID: "u1", ClientID: "client-1234", Name: "phone", Status: ward.DevicePending, SecretHash: "h"}
			if err := tx.CreateDevice(ctx, &d2); err != nil {
				t.Errorf("a second device with the client id: %v", err)
			}
			return nil
		})
	})
}
