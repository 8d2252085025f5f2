package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Devices lists the caller's own devices, or (all) every device of the org.
func (a *App) Devices(ctx context.Context, p *Principal, all bool) ([]ward.Device, error) {
	action, userID := authz.DeviceListOwn, p.User.ID
	if all {
		action, userID = authz.DeviceList, ""
	}
	if err := p.Can(action); err != nil {
		return nil, err
	}
	var ds []ward.Device
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		ds, err = tx.ListDevices(ctx, p.User.OrgID, userID)
		return err
	})
	return ds, err
}

// DeviceAction is what an admin does to a device.
type DeviceAction string

// Device actions.
const (
	ApproveDevice DeviceAction = "approve"
	LockDevice    DeviceAction = "lock"
	UnlockDevice  DeviceAction = "unlock"
	WipeDevice    DeviceAction = "wipe"
)

// ActOnDevice approves, locks, unlocks or wipes a device of the caller's
// org. Lock and wipe revoke the device's sessions in the same transaction;
// a wipe order then waits for the device's next request or socket contact.
// Unlock lets a locked device sign in again; a wiped device stays wiped (it
// must sign in as a new device). Only an owner acts on an owner's device.
func (a *App) ActOnDevice(ctx context.Context, p *Principal, id string, act DeviceAction) (ward.Device, error) {
	perm, ok := map[DeviceAction]authz.Action{ApproveDevice: authz.DeviceApprove, LockDevice: authz.DeviceLock,
		UnlockDevice: authz.DeviceUnlock, WipeDevice: authz.DeviceWipe}[act]
	if !ok {
		return ward.Device{}, ward.Errorf(ward.CodeInvalid, "action must be approve, lock, unlock or wipe")
	}
	if err := p.Can(perm); err != nil {
		return ward.Device{}, err
	}
	var d ward.Device
	err := a.changeAccess(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = tx.DeviceByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		if err := ownerRule(ctx, tx, p, d.UserID, "an owner's devices"); err != nil {
			return err
		}
		var ev audit.Action
		switch act {
		case ApproveDevice:
			if d.Status != ward.DevicePending {
				return ward.Errorf(ward.CodeConflict, "only a pending device can be approved (it is %s)", d.Status)
			}
			d.Status, ev = ward.DeviceActive, audit.DeviceApproved
		case LockDevice:
			if d.Status == ward.DeviceWiped {
				return ward.Errorf(ward.CodeConflict, "the device is already wiped")
			}
			d.Status, ev = ward.DeviceLocked, audit.DeviceLocked
		case UnlockDevice:
			switch {
			case d.Status == ward.DeviceWiped || d.Wipe != ward.WipeNone:
				return ward.Errorf(ward.CodeConflict, "a wiped device cannot be unlocked: it signs in again as a new device")
			case d.Status != ward.DeviceLocked:
				return ward.Errorf(ward.CodeConflict, "only a locked device can be unlocked (it is %s)", d.Status)
			}
			d.Status, ev = ward.DeviceActive, audit.DeviceUnlocked
		case WipeDevice:
			if d.Wipe != ward.WipeNone {
				return ward.Errorf(ward.CodeConflict, "a wipe was already ordered (%s)", d.Wipe)
			}
			d.Status, d.Wipe, ev = ward.DeviceWiped, ward.WipeRequested, audit.DeviceWipeRequested
		}
		if err := tx.SetDeviceState(ctx, d.OrgID, d.ID, d.Status, d.Wipe); err != nil {
			return err
		}
		if act == LockDevice {
			if _, err := tx.RevokeDeviceSessions(ctx, d.ID); err != nil {
				return err
			}
		}
		e := p.Event(ev, "device", d.ID)
		e.Reason = "device of user " + d.UserID
		return audit.Append(ctx, tx, e)
	})
	if err == nil {
		switch act {
		case WipeDevice: // the device's open sockets get the order at once
			a.publish(ctx, realtime.Event{Type: realtime.DeviceWipe, OrgID: d.OrgID, Devices: []string{d.ID}})
		case LockDevice: // and a locked device's sockets are closed
			a.publish(ctx, realtime.Event{Type: realtime.DeviceLocked, OrgID: d.OrgID, Devices: []string{d.ID}})
		}
	}
	return d, err
}

// ownerRule finds the user an act is on, in the caller's org (CodeNotFound
// otherwise), and refuses the act of a non-owner on an owner (what names it
// for the message): only an owner acts on an owner, as for changing or
// disabling one. The host's command line acts as an owner.
func ownerRule(ctx context.Context, tx *store.Tx, p *Principal, userID, what string) error {
	u, err := tx.UserByID(ctx, p.User.OrgID, userID)
	if err != nil {
		return err
	}
	if u.Role == ward.RoleOwner && p.User.Role != ward.RoleOwner {
		return ward.Errorf(ward.CodeForbidden, "only an owner can act on %s", what)
	}
	return nil
}
