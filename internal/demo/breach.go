package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/incidents"
)

// IncidentTitle names the demo breach incident: a charge nurse's phone lost
// on shift, five days ago, whose affected patients come from the audit trail.
const IncidentTitle = "Charge nurse's phone lost on Ward 7"

// breachCase opens the demo breach incident and fills the BAA registry with
// one signed agreement that expires soon and one still awaited; it does
// nothing when the incident is there already (a re-run).
func (s *seeder) breachCase(ctx context.Context) error {
	if s.incidents == nil || s.baas == nil {
		return nil
	}
	officer := s.as("compliance")
	open, err := s.incidents.List(ctx, officer)
	if err != nil {
		return err
	}
	for _, in := range open {
		if full, err := s.incidents.Get(ctx, officer, in.ID); err == nil && full.Details != nil && full.Details.Title == IncidentTitle {
			return nil
		}
	}
	now := time.Now().UTC()
	nurse := s.as("jordan.lee").User.ID
	in, err := s.incidents.Open(ctx, officer, incidents.Draft{
		DiscoveredAt: now.AddDate(0, 0, -5), WindowFrom: now.AddDate(0, 0, -7), WindowTo: now.Add(time.Hour),
		UserIDs: []string{nurse},
		Details: incidents.Details{Title: IncidentTitle,
			WhatHappened: "A charge nurse reported her phone lost at the end of a night shift; it was wiped remotely the next morning.",
			Steps:        "No action is needed from patients; call the clinic with any question.",
			ActionsTaken: "The device was locked and wiped from the admin console; the nurse's sessions were revoked.",
			Contact:      "Demo Clinic privacy office, privacy@demo-clinic.example"},
	})
	if err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	if _, err := s.incidents.Compute(ctx, officer, in.ID); err != nil {
		return fmt.Errorf("demo incident patients: %w", err)
	}
	for _, d := range []baa.Draft{
		{Vendor: "Example Offsite Backup Co", Service: "encrypted backup storage", PHI: "sealed backups (no keys)",
			Status: baa.StatusSigned, SignedAt: now.AddDate(-1, 0, 0), ExpiresAt: now.AddDate(0, 0, 45)},
		{Vendor: "Example Mail Relay", Service: "outbound email (invitations, reminders)", PHI: "none by design: links only",
			Status: baa.StatusRequested},
	} {
		if _, err := s.baas.Create(ctx, officer, d); err != nil {
			return fmt.Errorf("demo BAA %s: %w", d.Vendor, err)
		}
	}
	return nil
}
