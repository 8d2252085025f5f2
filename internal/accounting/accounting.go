package accounting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// DefaultPeriod is how far back an accounting goes when no start is given:
// the six years 164.528(a) speaks of.
const DefaultPeriod = 6

// AnswerWithin is how long a covered entity has to answer a request
// (164.528(c)(1)): 60 days.
const AnswerWithin = 60 * 24 * time.Hour

// Patients resolves an MRN to the records that hold it (internal/patients).
type Patients interface {
	IDsByMRN(ctx context.Context, orgID, mrn string) ([]string, error)
}

// Config is what a Service is built from; Now may be nil.
type Config struct {
	Store    *store.Store
	Patients Patients
	Now      func() time.Time
}

// Service answers requests for an accounting of disclosures.
type Service struct {
	store    *store.Store
	patients Patients
	now      func() time.Time
}

// New builds a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, patients: cfg.Patients, now: cfg.Now}
}

// Caller is who asks: their org and how the audit trail names them.
type Caller struct {
	OrgID string
	Actor audit.Actor
}

// Query names the patient (by MRN or record id) and the period. A zero To
// is now; a zero From is DefaultPeriod years before To. RequestID, when
// set, is a logged request this answers: its patient and period are used.
type Query struct {
	MRN       string
	PatientID string
	From, To  time.Time
	RequestID string
	Format    string // "csv", "pdf" or "json": named in the audit trail
}

// Entry is one access to or disclosure of the patient's PHI.
type Entry struct {
	Time     time.Time `json:"time"`
	Seq      int64     `json:"seq,omitempty"` // the event's place in the audit chain (0: not sealed yet)
	UserID   string    `json:"user_id"`
	Who      string    `json:"who"`  // the staff member's directory name, or what the actor is
	Role     string    `json:"role"` // the role they acted in
	Action   string    `json:"action"`
	What     string    `json:"what"`
	Kind     string    `json:"kind"` // KindAccess or KindDisclosure
	Resource string    `json:"resource"`
	Why      string    `json:"why"` // the event's reason, when it has one
}

// Accounting is the answer to one request.
type Accounting struct {
	RequestID   string    `json:"request_id"`
	OrgName     string    `json:"org_name"`
	MRN         string    `json:"mrn,omitempty"` // as the caller gave it
	PatientID   string    `json:"patient_id"`
	PatientIDs  []string  `json:"patient_ids"` // every id the search covered: the record, its merged duplicates, its patient user
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	RequestedAt time.Time `json:"requested_at"`
	Deadline    time.Time `json:"deadline"`
	ProducedAt  time.Time `json:"produced_at"`
	Entries     []Entry   `json:"entries"`
}

// period fills in q's defaults and checks it. The default end is just
// after now (the trail's microsecond), so that what happened at now is in.
func (s *Service) period(q *Query) error {
	if q.To.IsZero() {
		q.To = s.now().UTC().Truncate(time.Microsecond).Add(time.Microsecond)
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(-DefaultPeriod, 0, 0)
	}
	q.From, q.To = q.From.UTC(), q.To.UTC()
	if !q.From.Before(q.To) {
		return ward.Errorf(ward.CodeInvalid, "from must be before to")
	}
	return nil
}

// patient resolves q to its record id.
func (s *Service) patient(ctx context.Context, orgID string, q *Query) (string, error) {
	q.MRN, q.PatientID = strings.TrimSpace(q.MRN), strings.TrimSpace(q.PatientID)
	switch {
	case q.MRN != "" && q.PatientID != "":
		return "", ward.Errorf(ward.CodeInvalid, "give the patient's MRN or record id, not both")
	case q.MRN != "":
		ids, err := s.patients.IDsByMRN(ctx, orgID, q.MRN)
		if err != nil {
			return "", err
		}
		if len(ids) == 0 {
			return "", ward.Errorf(ward.CodeUnknownPatient, "no patient record has that MRN")
		}
		return ids[0], nil
	case q.PatientID != "":
		if len(q.PatientID) > 128 {
			return "", ward.Errorf(ward.CodeUnknownPatient, "no such patient record")
		}
		err := s.store.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.Patient(ctx, orgID, q.PatientID)
			return err
		})
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return "", ward.Errorf(ward.CodeUnknownPatient, "no such patient record")
		}
		return q.PatientID, err
	}
	return "", ward.Errorf(ward.CodeInvalid, "name the patient: an MRN or a record id")
}

// subjects are the ids under which the audit trail names the patient: the
// record, the duplicates merged into it, and the patient user of each.
func subjects(ctx context.Context, tx *store.Tx, orgID, id string) ([]string, error) {
	dups, err := tx.PatientDuplicates(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	records := append([]string{id}, dups...)
	ids := append([]string(nil), records...)
	for _, r := range records {
		row, err := tx.Patient(ctx, orgID, r)
		if err != nil {
			return nil, err
		}
		if row.UserID != "" {
			ids = append(ids, row.UserID)
		}
	}
	return ids, nil
}

// Produce answers q for the caller: it reads every event about the
// patient in the period and, before it returns, records the answer (a new
// request answered now, or the logged one q names, marked answered) and
// an accounting.produced event in one transaction.
func (s *Service) Produce(ctx context.Context, c Caller, q Query) (Accounting, error) {
	var req store.AccountingRequest
	if q.RequestID != "" {
		err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
			req, err = tx.AccountingRequestByID(ctx, c.OrgID, q.RequestID)
			return err
		})
		if err != nil {
			return Accounting{}, err
		}
		q.PatientID, q.MRN, q.From, q.To = req.PatientID, "", req.From, req.To
	}
	if err := s.period(&q); err != nil {
		return Accounting{}, err
	}
	id, err := s.patient(ctx, c.OrgID, &q)
	if err != nil {
		return Accounting{}, err
	}
	a := Accounting{MRN: q.MRN, PatientID: id, From: q.From, To: q.To, ProducedAt: s.now().UTC()}
	if err := s.store.Read(ctx, func(tx *store.Tx) error { return s.read(ctx, tx, c.OrgID, &a) }); err != nil {
		return Accounting{}, err
	}
	if req.ID == "" {
		req = store.AccountingRequest{ID: uuid.Must(uuid.NewV7()).String(), OrgID: c.OrgID, PatientID: id, From: a.From, To: a.To,
			RequestedBy: c.Actor.UserID, RequestedAt: a.ProducedAt, Deadline: a.ProducedAt.Add(AnswerWithin)}
	}
	a.RequestID, a.RequestedAt, a.Deadline = req.ID, req.RequestedAt, req.Deadline
	ev := audit.Event{OrgID: c.OrgID, Actor: c.Actor, Action: audit.AccountingProduced, Outcome: audit.Success,
		ResourceType: "accounting_request", ResourceID: req.ID, PatientID: id,
		Reason: fmt.Sprintf("period %s to %s, %s, %d entries", stamp(a.From), stamp(a.To), formatName(q.Format), len(a.Entries))}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if q.RequestID == "" {
			if err := tx.CreateAccountingRequest(ctx, &req); err != nil {
				return err
			}
		}
		if err := tx.AnswerAccountingRequest(ctx, c.OrgID, req.ID, c.Actor.UserID, len(a.Entries)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, ev)
	})
	return a, err
}

// read fills a's org name, subjects and entries in one read transaction.
func (s *Service) read(ctx context.Context, tx *store.Tx, orgID string, a *Accounting) error {
	org, err := tx.OrgByID(ctx, orgID)
	if err != nil {
		return err
	}
	a.OrgName = org.Name
	if a.PatientIDs, err = subjects(ctx, tx, orgID, a.PatientID); err != nil {
		return err
	}
	self := map[string]bool{}
	for _, id := range a.PatientIDs {
		self[id] = true
	}
	a.Entries = []Entry{}
	err = tx.PatientAuditRows(ctx, orgID, a.PatientIDs, a.From, a.To, func(r *store.AuditRow) error {
		if r.Outcome != string(audit.Success) {
			return nil // a refused or failed attempt disclosed nothing
		}
		what, kind := describe(r.Action)
		a.Entries = append(a.Entries, Entry{Time: r.At, Seq: r.Seq, UserID: r.ActorUserID, Role: r.ActorRole, Action: r.Action,
			What: what, Kind: kind, Resource: resource(r.ResourceType, r.ResourceID), Why: r.Reason})
		return nil
	})
	if err != nil {
		return err
	}
	return names(ctx, tx, orgID, self, a.Entries)
}

// names sets each entry's Who: a staff member's directory name; the
// patient themselves; or what the actor is (a system job, the command
// line). Patients' and guests' names are sealed and never shown here.
func names(ctx context.Context, tx *store.Tx, orgID string, self map[string]bool, entries []Entry) error {
	seen := map[string]string{}
	for i := range entries {
		e := &entries[i]
		if e.UserID == "" {
			e.Who = actorless(e.Role)
			continue
		}
		if self[e.UserID] {
			e.Who = "the patient"
			continue
		}
		who, ok := seen[e.UserID]
		if !ok {
			u, err := tx.UserByID(ctx, orgID, e.UserID)
			switch {
			case ward.ErrorCode(err) == ward.CodeNotFound:
				who = "unknown user " + e.UserID
			case err != nil:
				return err
			case u.Role == ward.RolePatient:
				who = "another patient"
			case u.Role == ward.RoleGuest:
				who = "an outside recipient"
			default:
				who = u.Name
			}
			seen[e.UserID] = who
		}
		e.Who = who
	}
	return nil
}

func actorless(role string) string {
	switch role {
	case "cli":
		return "ward command line"
	case "system", "":
		return "ward (system)"
	}
	return role
}

func resource(typ, id string) string {
	if typ == "" {
		return id
	}
	return typ + " " + id
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func formatName(f string) string {
	if f == "" {
		return "json"
	}
	return f
}
