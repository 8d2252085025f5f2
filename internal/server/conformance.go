package server

import (
	"context"

	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/monitor"
)

// ConformanceRegistry is the conformance report's checks for cfg: the
// built-in ones, with the evidence of backups, breach incidents, BAAs and
// activity alerts handed in from their packages (conformance imports none
// of them). 'ward serve' and 'ward compliance report' both use it.
func ConformanceRegistry(cfg Config) *conformance.Registry {
	r := conformance.Default()
	r.Register(conformance.BackupCheck(func(ctx context.Context, f *conformance.Facts) (conformance.BackupStatus, error) {
		s := conformance.BackupStatus{}
		if cfg.BackupTo != "" {
			if s.Every = cfg.BackupEvery; s.Every <= 0 {
				s.Every = DefaultBackupEvery
			}
		}
		last, ok, err := backup.LastRun(ctx, f.Store)
		if err != nil {
			return s, err
		}
		s.Last, s.LastFailed, s.LastError = last.At, !last.At.IsZero() && last.Outcome != "success", last.Error
		s.LastOK, s.LastOKBytes, s.LastLocation = ok.At, ok.Bytes, ok.Location
		return s, nil
	}))
	r.Register(conformance.IncidentCheck(func(ctx context.Context, f *conformance.Facts) (conformance.IncidentStatus, error) {
		s, err := incidents.StandingAt(ctx, f.Store, f.OrgID, f.Now)
		return conformance.IncidentStatus{Open: s.Open, Overdue: s.Overdue, NextDeadline: s.NextDeadline}, err
	}))
	r.Register(conformance.BAACheck(func(ctx context.Context, f *conformance.Facts) (conformance.BAAStatus, error) {
		s, err := baa.StandingAt(ctx, f.Store, f.OrgID, f.Now, conformance.BAAExpiringWithin)
		return conformance.BAAStatus{Total: s.Total, InForce: s.InForce, Expiring: s.Expiring, Missing: s.Missing}, err
	}))
	alerts := func(ctx context.Context, f *conformance.Facts) (conformance.AlertStatus, error) {
		n, older, err := monitor.Backlog(ctx, f.Store, f.OrgID, f.Now.Add(-conformance.AlertAckWithin))
		return conformance.AlertStatus{New: n, Stale: older}, err
	}
	r.Register(conformance.ActivityReviewCheck(alerts))
	r.Register(conformance.LoginMonitoringCheck(alerts))
	return r
}
