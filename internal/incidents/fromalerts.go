package incidents

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/store"
)

// WindowPad widens an incident opened from alerts beyond its evidence: the
// window runs from the earliest evidence time less WindowPad to the latest
// plus WindowPad, so that computing the affected patients again from the
// audit trail also catches the reads just around the alerts.
const WindowPad = 15 * time.Minute

// SourceAlert marks an affected patient taken from an alert's evidence.
const SourceAlert = "alert"

// maxFromAlerts is how many alerts one incident is opened from at most.
const maxFromAlerts = 50

// FromAlerts is what opening an incident from alerts takes: the alerts,
// and optionally the discovery date (zero: when the earliest of the alerts
// was raised) and the title (empty: one naming the alerts' rules).
type FromAlerts struct {
	AlertIDs     []string
	DiscoveredAt time.Time
	Title        string
}

// alertFacts is what the alerts' evidence gives an incident.
type alertFacts struct {
	ids                      []string
	users, devices, patients []string
	first, last, firstRaised time.Time
	rules                    []string
}

// OpenFromAlerts opens an incident from activity-monitoring alerts in one
// transaction: its users and devices are the alerts' evidence's, its window
// runs from their earliest to their latest evidence time (padded by
// WindowPad), the patients their evidence names are its affected patients
// (source "alert"), and every alert is escalated to it (audited, like
// monitor.Escalate). An alert that is not new or acknowledged is
// CodeConflict; an unknown one CodeNotFound; nothing changes then.
func (s *Service) OpenFromAlerts(ctx context.Context, p *access.Principal, f FromAlerts) (Incident, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Incident{}, err
	}
	if err := p.Can(authz.AlertManage); err != nil {
		return Incident{}, err
	}
	ids := dedupe(f.AlertIDs)
	if len(ids) == 0 {
		return Incident{}, invalid("alert_ids: name at least one alert")
	}
	if len(ids) > maxFromAlerts {
		return Incident{}, invalid("alert_ids: at most %d", maxFromAlerts)
	}
	for _, id := range ids {
		if id == "" || len(id) > 64 || strings.ContainsAny(id, ", \t\r\n") {
			return Incident{}, invalid("alert_ids: %q is not an id", id)
		}
	}
	var facts alertFacts
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		facts, err = gatherAlerts(ctx, tx, p.User.OrgID, ids)
		return err
	}); err != nil {
		return Incident{}, err
	}
	d := Draft{DiscoveredAt: f.DiscoveredAt, WindowFrom: facts.first.Add(-WindowPad), WindowTo: facts.last.Add(WindowPad),
		UserIDs: facts.users, DeviceIDs: facts.devices, AlertIDs: facts.ids,
		Details: Details{Title: strings.TrimSpace(f.Title)}}
	if d.DiscoveredAt.IsZero() {
		d.DiscoveredAt = facts.firstRaised
	}
	if d.Details.Title == "" {
		d.Details.Title = "From alerts: " + strings.Join(facts.rules, ", ")
	}
	if err := d.validate(s.now(), true); err != nil {
		return Incident{}, err
	}
	r := store.IncidentRow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, DiscoveredAt: d.DiscoveredAt, DeadlineAt: d.Deadline,
		WindowFrom: d.WindowFrom, WindowTo: d.WindowTo, UserIDs: d.UserIDs, DeviceIDs: d.DeviceIDs, AlertIDs: d.AlertIDs, CreatedBy: p.User.ID}
	var err error
	if r.DetailsSealed, err = s.sealDetails(ctx, p.User.OrgID, r.ID, d.Details); err != nil {
		return Incident{}, err
	}
	var patients []Affected
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertIncident(ctx, &r); err != nil {
			return err
		}
		e := p.Event(audit.IncidentOpened, "incident", r.ID)
		e.Reason = bounded(fmt.Sprintf("discovered %s; deadline %s; from alerts %s; %d patients from their evidence",
			r.DiscoveredAt.Format(time.DateOnly), r.DeadlineAt.Format(time.DateOnly), strings.Join(r.AlertIDs, ","), len(facts.patients)))
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		for _, pid := range facts.patients {
			if err := tx.PutIncidentPatient(ctx, r.OrgID, r.ID, store.IncidentPatient{PatientID: pid, Source: SourceAlert}); err != nil {
				return err
			}
		}
		for _, id := range r.AlertIDs {
			err := tx.SetAlertStatus(ctx, r.OrgID, id, monitor.StatusEscalated, p.User.ID, nil, r.ID, monitor.StatusNew, monitor.StatusAcknowledged)
			if err != nil {
				return err
			}
			e := p.Event(audit.AlertEscalated, "alert", id)
			e.Reason = "escalated to incident " + r.ID
			if err := audit.Append(ctx, tx, e); err != nil {
				return err
			}
		}
		patients, err = s.affected(ctx, tx, r)
		return err
	})
	if err != nil {
		return Incident{}, err
	}
	in := s.view(r)
	in.Details, in.Patients = &d.Details, patients
	return in, nil
}

// gatherAlerts reads the alerts and what their evidence names: the users,
// devices and patient records that are still the org's (others are left
// out), and the times.
func gatherAlerts(ctx context.Context, tx *store.Tx, orgID string, ids []string) (alertFacts, error) {
	f := alertFacts{ids: ids}
	var users, devices, patients []string
	for _, id := range ids {
		row, err := tx.AlertByID(ctx, orgID, id)
		if err != nil {
			return f, err
		}
		if row.Status != monitor.StatusNew && row.Status != monitor.StatusAcknowledged {
			return f, ward.Errorf(ward.CodeConflict, "alert %s is %s: only new or acknowledged alerts open an incident", id, row.Status)
		}
		var ev monitor.Evidence
		if err := json.Unmarshal(row.Evidence, &ev); err != nil {
			return f, ward.Wrap(ward.CodeIntegrity, err, "stored alert evidence is unreadable")
		}
		users, devices, patients = append(users, ev.UserIDs...), append(devices, ev.Devices...), append(patients, ev.PatientIDs...)
		if f.first.IsZero() || row.FirstAt.Before(f.first) {
			f.first = row.FirstAt
		}
		if row.LastAt.After(f.last) {
			f.last = row.LastAt
		}
		if f.firstRaised.IsZero() || row.RaisedAt.Before(f.firstRaised) {
			f.firstRaised = row.RaisedAt
		}
		if !slices.Contains(f.rules, row.Rule) {
			f.rules = append(f.rules, row.Rule)
		}
	}
	for _, id := range dedupe(users) {
		if _, err := tx.UserByID(ctx, orgID, id); err == nil {
			f.users = append(f.users, id)
		} else if ward.ErrorCode(err) != ward.CodeNotFound {
			return f, err
		}
	}
	for _, id := range dedupe(devices) {
		if _, err := tx.DeviceByID(ctx, orgID, id); err == nil {
			f.devices = append(f.devices, id)
		} else if ward.ErrorCode(err) != ward.CodeNotFound {
			return f, err
		}
	}
	for _, id := range dedupe(patients) {
		if _, err := tx.Patient(ctx, orgID, id); err == nil {
			f.patients = append(f.patients, id)
		} else if ward.ErrorCode(err) != ward.CodeNotFound {
			return f, err
		}
	}
	return f, nil
}
