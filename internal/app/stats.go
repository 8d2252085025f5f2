package app

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Dashboard limits.
const (
	DefaultStatsDays = 30
	MaxStatsDays     = 365
	// ActiveDeviceWindow is how recently an active device must have been
	// seen to count as in use.
	ActiveDeviceWindow = 30 * 24 * time.Hour
)

// DayCount is one UTC day's count.
type DayCount struct {
	Day   time.Time // midnight UTC
	Count int64
}

// Stats is the admin dashboard: counts only, no content.
type Stats struct {
	Days               int
	MessagesPerDay     []DayCount // every day of the range, oldest first, zero-filled
	FailedLoginsPerDay []DayCount
	ActiveDevices      int64
	DevicesByStatus    map[ward.DeviceStatus]int64 // every status, zero-filled
	UsersByRole        map[ward.Role]int64         // enabled users, every role, zero-filled
	DisabledUsers      int64
}

// Stats counts the caller's org's messages and failed sign-ins per UTC day
// over the last days days (today included), and its devices and users now.
// It reads no PHI, so it is not audited.
func (a *App) Stats(ctx context.Context, p *Principal, days int) (Stats, error) {
	if err := p.Can(authz.StatsRead); err != nil {
		return Stats{}, err
	}
	if days == 0 {
		days = DefaultStatsDays
	}
	if days < 1 || days > MaxStatsDays {
		return Stats{}, ward.Errorf(ward.CodeInvalid, "days must be between 1 and %d", MaxStatsDays)
	}
	now := a.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from, to := today.AddDate(0, 0, -(days-1)), today.AddDate(0, 0, 1)
	var raw store.OrgStats
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		raw, err = tx.OrgStats(ctx, store.StatsQuery{OrgID: p.User.OrgID, From: from, To: to,
			FailedAction: string(audit.LoginFailed), ActiveStatus: string(ward.DeviceActive),
			ActiveSince: now.Add(-ActiveDeviceWindow)})
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Days: days, ActiveDevices: raw.ActiveDevices, DisabledUsers: raw.DisabledUsers,
		DevicesByStatus: map[ward.DeviceStatus]int64{}, UsersByRole: map[ward.Role]int64{}}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		n := store.DayNumber(d)
		s.MessagesPerDay = append(s.MessagesPerDay, DayCount{Day: d, Count: raw.MessagesPerDay[n]})
		s.FailedLoginsPerDay = append(s.FailedLoginsPerDay, DayCount{Day: d, Count: raw.FailedLoginsPerDay[n]})
	}
	for _, st := range []ward.DeviceStatus{ward.DeviceActive, ward.DevicePending, ward.DeviceLocked, ward.DeviceWiped} {
		s.DevicesByStatus[st] = 0
	}
	for k, n := range raw.DevicesByStatus {
		s.DevicesByStatus[ward.DeviceStatus(k)] += n
	}
	for _, r := range ward.Roles {
		s.UsersByRole[r] = 0
	}
	for k, n := range raw.UsersByRole {
		s.UsersByRole[ward.Role(k)] += n
	}
	return s, nil
}
