package incidents

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/orgrows"
	"github.com/wardhealth/ward/internal/reminders"
	"github.com/wardhealth/ward/internal/store"
)

// Contacts opens a patient record's name for a letter (patients.Service).
type Contacts interface {
	Contact(ctx context.Context, orgID, id string) (name, email string, active bool, err error)
}

// Mailer sends ward's PHI-free emails (internal/notify/mail).
type Mailer = reminders.Mailer

// Config is what a Service is built from; Mailer, Logger and Now may be nil.
type Config struct {
	Store    *store.Store
	Keyring  *keyring.Keyring
	Contacts Contacts
	// Mailer, when set, mails compliance officers the deadline reminders,
	// linking to ConsoleLink.
	Mailer      Mailer
	ConsoleLink string
	// Pusher, when set, pushes the reminders to compliance officers'
	// subscribed devices too (internal/notify/push, PHI-free).
	Pusher reminders.Pusher
	// PlainPDF turns off the letters' stream compression (tests read
	// their text).
	PlainPDF bool
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service is the breach incident use cases.
type Service struct {
	store    *store.Store
	keys     *keyring.Keyring
	contacts Contacts
	mailer   Mailer
	pusher   reminders.Pusher
	link     string
	plainPDF bool
	log      *slog.Logger
	now      func() time.Time
}

// New builds a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: cfg.Store, keys: cfg.Keyring, contacts: cfg.Contacts, mailer: cfg.Mailer, pusher: cfg.Pusher, link: cfg.ConsoleLink, plainPDF: cfg.PlainPDF,
		log: cfg.Logger, now: cfg.Now}
}

// ref is where an incident's sealed field lives: the org's compliance
// data key, bound to the incident and the field.
func ref(orgID, incidentID, field string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "compliance:" + orgID, Record: incidentID, Field: field}
}

func (s *Service) sealDetails(ctx context.Context, orgID, id string, d Details) ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return s.keys.Seal(ctx, ref(orgID, id, "details"), b)
}

func (s *Service) openDetails(ctx context.Context, tx *store.Tx, r store.IncidentRow) (Details, error) {
	var d Details
	b, err := s.keys.OpenIn(ctx, tx, ref(r.OrgID, r.ID, "details"), r.DetailsSealed)
	if err != nil {
		return d, err
	}
	return d, json.Unmarshal(b, &d)
}

// view is an incident row as the API shows it, without its sealed parts.
func (s *Service) view(r store.IncidentRow) Incident {
	in := Incident{ID: r.ID, Status: r.Status, Outcome: r.Outcome, DiscoveredAt: r.DiscoveredAt, Deadline: r.DeadlineAt,
		DaysLeft: daysLeft(s.now(), r.DeadlineAt), UserIDs: nonNil(r.UserIDs), DeviceIDs: nonNil(r.DeviceIDs), AlertIDs: nonNil(r.AlertIDs),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ClosedBy: r.ClosedBy}
	if !r.WindowFrom.IsZero() {
		in.WindowFrom, in.WindowTo = &r.WindowFrom, &r.WindowTo
	}
	if !r.ClosedAt.IsZero() {
		in.ClosedAt = &r.ClosedAt
	}
	return in
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// List lists the org's incidents (no sealed text: not audited as a read).
func (s *Service) List(ctx context.Context, p *access.Principal) ([]Incident, error) {
	return orgrows.List(ctx, s.store, p, authz.IncidentManage, (*store.Tx).Incidents, s.view)
}

// Get reads one incident with its details, patients and the notice it
// needs; the read of the sealed text is audited (incident.read) before
// the answer.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Incident, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Incident{}, err
	}
	var in Incident
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := incidentRow(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		d, err := s.openDetails(ctx, tx, r)
		if err != nil {
			return err
		}
		in = s.view(r)
		in.Details = &d
		if in.Patients, err = s.affected(ctx, tx, r); err != nil {
			return err
		}
		n := notice(r, in.Patients)
		in.Notice = &n
		if in.RemindersSent, err = tx.RemindersSent(ctx, "incident", reminderSubject(r)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.IncidentRead, "incident", r.ID))
	})
	return in, err
}

func incidentRow(ctx context.Context, tx *store.Tx, orgID, id string) (store.IncidentRow, error) {
	return orgrows.ByID(ctx, tx, orgID, id, "incident", (*store.Tx).IncidentByID)
}

// openRow reads an incident that may still change: a closed one is
// CodeIncidentClosed.
func openRow(ctx context.Context, tx *store.Tx, orgID, id string) (store.IncidentRow, error) {
	r, err := incidentRow(ctx, tx, orgID, id)
	if err == nil && r.Status != StatusOpen {
		err = ward.Errorf(ward.CodeIncidentClosed, "the incident is closed: it is read-only")
	}
	return r, err
}

// Open opens an incident by hand or from alerts (d.AlertIDs). Without a
// discovery date it is CodeDiscoveryRequired; a deadline in the past is
// CodeDeadlineInPast; nothing is stored unless all is well.
func (s *Service) Open(ctx context.Context, p *access.Principal, d Draft) (Incident, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Incident{}, err
	}
	if err := d.validate(s.now(), true); err != nil {
		return Incident{}, err
	}
	if err := d.Details.Assessment.complete(); err != nil {
		return Incident{}, err
	}
	r := store.IncidentRow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, Outcome: d.Details.Assessment.Outcome,
		DiscoveredAt: d.DiscoveredAt, DeadlineAt: d.Deadline, WindowFrom: d.WindowFrom, WindowTo: d.WindowTo,
		UserIDs: d.UserIDs, DeviceIDs: d.DeviceIDs, AlertIDs: d.AlertIDs, CreatedBy: p.User.ID}
	var err error
	if r.DetailsSealed, err = s.sealDetails(ctx, p.User.OrgID, r.ID, d.Details); err != nil {
		return Incident{}, err
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := checkIDs(ctx, tx, p.User.OrgID, d); err != nil {
			return err
		}
		if err := tx.InsertIncident(ctx, &r); err != nil {
			return err
		}
		e := p.Event(audit.IncidentOpened, "incident", r.ID)
		e.Reason = fmt.Sprintf("discovered %s; deadline %s", r.DiscoveredAt.Format(time.DateOnly), r.DeadlineAt.Format(time.DateOnly))
		if len(r.AlertIDs) > 0 {
			e.Reason += "; from alerts " + bounded(strings.Join(r.AlertIDs, ","))
		}
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Incident{}, err
	}
	in := s.view(r)
	in.Details = &d.Details
	return in, nil
}

// bounded keeps an audit reason's list short.
func bounded(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// checkIDs checks that the users and devices named are the org's.
func checkIDs(ctx context.Context, tx *store.Tx, orgID string, d Draft) error {
	for _, id := range d.UserIDs {
		if _, err := tx.UserByID(ctx, orgID, id); err != nil {
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return ward.Errorf(ward.CodeNotFound, "no such user in the org")
			}
			return err
		}
	}
	for _, id := range d.DeviceIDs {
		if _, err := tx.DeviceByID(ctx, orgID, id); err != nil {
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return ward.Errorf(ward.CodeNotFound, "no such device in the org")
			}
			return err
		}
	}
	return nil
}

// Update replaces an open incident's dates, window, people, devices,
// alerts and details (the assessment included: see Assess).
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, d Draft) (Incident, error) {
	return s.change(ctx, p, id, audit.IncidentUpdated, func(r store.IncidentRow, old Details) (Draft, string, error) {
		changed := changedFields(r, old, d)
		if err := d.validate(s.now(), !d.Deadline.IsZero() && !d.Deadline.Equal(r.DeadlineAt)); err != nil {
			return d, "", err
		}
		return d, "changed " + changed, d.Details.Assessment.complete()
	})
}

// Assess saves the four-factor risk assessment and its outcome: an
// outcome needs all four factors rated (CodeAssessmentIncomplete).
func (s *Service) Assess(ctx context.Context, p *access.Principal, id string, a Assessment) (Incident, error) {
	return s.change(ctx, p, id, audit.IncidentAssessed, func(r store.IncidentRow, old Details) (Draft, string, error) {
		d := Draft{DiscoveredAt: r.DiscoveredAt, Deadline: r.DeadlineAt, WindowFrom: r.WindowFrom, WindowTo: r.WindowTo,
			UserIDs: r.UserIDs, DeviceIDs: r.DeviceIDs, AlertIDs: r.AlertIDs, Details: old}
		d.Details.Assessment = a
		if err := d.validate(s.now(), false); err != nil {
			return d, "", err
		}
		outcome := a.Outcome
		if outcome == "" {
			outcome = "none"
		}
		return d, fmt.Sprintf("nature %s, recipient %s, acquired %s, mitigation %s; outcome %s", rated(a.Nature), rated(a.Recipient),
			rated(a.Acquired), rated(a.Mitigation), outcome), a.complete()
	})
}

func rated(f Factor) string {
	if f.Rating == "" {
		return "unrated"
	}
	return f.Rating
}

// change reads an open incident and its details, lets edit make the new
// draft and the audit reason, seals and stores it, audited as action.
func (s *Service) change(ctx context.Context, p *access.Principal, id string, action audit.Action,
	edit func(r store.IncidentRow, old Details) (Draft, string, error)) (Incident, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Incident{}, err
	}
	var r store.IncidentRow
	var old Details
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if r, err = openRow(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		old, err = s.openDetails(ctx, tx, r)
		return err
	}); err != nil {
		return Incident{}, err
	}
	d, reason, err := edit(r, old)
	if err != nil {
		return Incident{}, err
	}
	sealed, err := s.sealDetails(ctx, r.OrgID, r.ID, d.Details)
	if err != nil {
		return Incident{}, err
	}
	before := r.UpdatedAt
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		cur, err := openRow(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		if !cur.UpdatedAt.Equal(before) {
			return ward.Errorf(ward.CodeConflict, "the incident changed meanwhile: reload it")
		}
		if err := checkIDs(ctx, tx, p.User.OrgID, d); err != nil {
			return err
		}
		r.Outcome, r.DiscoveredAt, r.DeadlineAt, r.WindowFrom, r.WindowTo = d.Details.Assessment.Outcome, d.DiscoveredAt, d.Deadline, d.WindowFrom, d.WindowTo
		r.UserIDs, r.DeviceIDs, r.AlertIDs, r.DetailsSealed = d.UserIDs, d.DeviceIDs, d.AlertIDs, sealed
		if err := tx.UpdateIncident(ctx, &r); err != nil {
			return err
		}
		e := p.Event(action, "incident", r.ID)
		e.Reason = reason
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Incident{}, err
	}
	in := s.view(r)
	in.Details = &d.Details
	return in, nil
}

// changedFields names what a draft changes (never the text itself).
func changedFields(r store.IncidentRow, old Details, d Draft) string {
	var f []string
	add := func(name string, changed bool) {
		if changed {
			f = append(f, name)
		}
	}
	add("discovered_at", !d.DiscoveredAt.UTC().Equal(r.DiscoveredAt))
	add("deadline", !d.Deadline.IsZero() && !d.Deadline.UTC().Equal(r.DeadlineAt))
	add("window", !d.WindowFrom.Equal(r.WindowFrom) || !d.WindowTo.Equal(r.WindowTo))
	add("user_ids", strings.Join(dedupe(d.UserIDs), ",") != strings.Join(r.UserIDs, ","))
	add("device_ids", strings.Join(dedupe(d.DeviceIDs), ",") != strings.Join(r.DeviceIDs, ","))
	add("alert_ids", strings.Join(dedupe(d.AlertIDs), ",") != strings.Join(r.AlertIDs, ","))
	ob, _ := json.Marshal(old)
	nb, _ := json.Marshal(d.Details)
	add("details", string(ob) != string(nb))
	if len(f) == 0 {
		return "nothing"
	}
	return strings.Join(f, ", ")
}

// Close closes an open incident: from then on it is read-only.
func (s *Service) Close(ctx context.Context, p *access.Principal, id string) (Incident, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Incident{}, err
	}
	var r store.IncidentRow
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		if r, err = openRow(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		if err := tx.CloseIncident(ctx, p.User.OrgID, id, p.User.ID); err != nil {
			return err
		}
		r.Status, r.ClosedAt, r.ClosedBy, r.UpdatedAt = StatusClosed, tx.Now, p.User.ID, tx.Now
		e := p.Event(audit.IncidentClosed, "incident", r.ID)
		e.Reason = "outcome " + r.Outcome
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Incident{}, err
	}
	return s.view(r), nil
}
