package patients

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Config is what a Service is built from; all but Now are required.
type Config struct {
	Store   *store.Store
	Keyring *keyring.Keyring
	Audit   *audit.Recorder  // durable audit of reads (group commit)
	Now     func() time.Time // nil means time.Now
}

// Service is the patient record use cases.
type Service struct {
	store *store.Store
	keys  *keyring.Keyring
	audit *audit.Recorder
	now   func() time.Time

	mu       sync.Mutex
	indexKey map[string][]byte // org id → its patient index key
}

// New builds a Service. The secret the org index keys derive from is made
// now, not at the first look-up: a refused request changes no stored state.
func New(cfg Config) (*Service, error) {
	s := &Service{store: cfg.Store, keys: cfg.Keyring, audit: cfg.Audit, now: cfg.Now, indexKey: map[string][]byte{}}
	if s.now == nil {
		s.now = time.Now
	}
	if _, err := s.keys.PatientIndexKey(context.Background(), ""); err != nil {
		return nil, err
	}
	return s, nil
}

// maxMatches bounds the records one look-up by date of birth and family
// name returns.
const maxMatches = 50

// scope is the keyring scope of a patient's data key.
func scope(id string) string { return "patient:" + id }

func ref(orgID, id string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: scope(id), Record: id, Field: "record"}
}

// orgKey returns the org's index key, derived once per org and kept.
func (s *Service) orgKey(ctx context.Context, orgID string) ([]byte, error) {
	s.mu.Lock()
	k := s.indexKey[orgID]
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := s.keys.PatientIndexKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.indexKey[orgID] = k
	s.mu.Unlock()
	return k, nil
}

// index is the blind index of value in the domain kind ("mrn", "dob-name").
func index(key []byte, kind, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func mrnIndex(key []byte, mrn string) string { return index(key, "mrn", normalMRN(mrn)) }

func dobNameIndex(key []byte, birthDate, family string) string {
	return index(key, "dob-name", birthDate+"\x00"+normalName(family))
}

// row seals f into a row of the record id.
func (s *Service) row(ctx context.Context, orgID, id string, f Fields) (store.PatientRow, error) {
	key, err := s.orgKey(ctx, orgID)
	if err != nil {
		return store.PatientRow{}, err
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return store.PatientRow{}, err
	}
	sealed, err := s.keys.Seal(ctx, ref(orgID, id), plain)
	clear(plain)
	if err != nil {
		return store.PatientRow{}, err
	}
	return store.PatientRow{ID: id, OrgID: orgID, MRNIndex: mrnIndex(key, f.MRN),
		DOBNameIndex: dobNameIndex(key, f.BirthDate, f.FamilyName), Sealed: sealed}, nil
}

// open opens a row into a record. A shredded record opens with no fields.
func (s *Service) open(ctx context.Context, r store.PatientRow) (Record, error) {
	return s.openIn(ctx, nil, r)
}

// openIn is open inside tx, in which the record's data key is read when the
// keyring has not cached it (nil: in a read transaction of its own).
func (s *Service) openIn(ctx context.Context, tx *store.Tx, r store.PatientRow) (Record, error) {
	rec := Record{ID: r.ID, OrgID: r.OrgID, Status: Status(r.Status), HasAccount: r.UserID != "", AccountUserID: r.UserID,
		MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	var plain []byte
	var err error
	if tx != nil {
		plain, err = s.keys.OpenIn(ctx, tx, ref(r.OrgID, r.ID), r.Sealed)
	} else {
		plain, err = s.keys.Open(ctx, ref(r.OrgID, r.ID), r.Sealed)
	}
	if errors.Is(err, keyring.ErrKeyDestroyed) {
		rec.Erased = true
		return rec, nil
	}
	if err != nil {
		return Record{}, fmt.Errorf("open patient record %s: %w", r.ID, err)
	}
	defer clear(plain)
	if err := json.Unmarshal(plain, &rec.Fields); err != nil {
		return Record{}, ward.Wrap(ward.CodeIntegrity, err, "a patient record does not decode")
	}
	return rec, nil
}

// validID refuses what is not a UUID as not found: nothing else names a record.
func validID(id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return ward.Errorf(ward.CodeNotFound, "no such patient")
	}
	return nil
}

// Create stores a new record. An MRN the org already has (once normalised)
// is a conflict, and nothing is stored.
func (s *Service) Create(ctx context.Context, p *access.Principal, f Fields) (Record, error) {
	if err := p.Can(authz.PatientCreate); err != nil {
		return Record{}, err
	}
	if err := f.normalize(s.now()); err != nil {
		return Record{}, err
	}
	orgID := p.User.OrgID
	key, err := s.orgKey(ctx, orgID)
	if err != nil {
		return Record{}, err
	}
	// Checked first, so that a duplicate makes no data key either. Two
	// creations racing on one MRN are still told apart by the unique
	// constraint; the loser leaves only an unused data key.
	if err := s.mrnFree(ctx, orgID, mrnIndex(key, f.MRN), ""); err != nil {
		return Record{}, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	row, err := s.row(ctx, orgID, id, f) // seals: may create the data key, so before the write
	if err != nil {
		return Record{}, err
	}
	row.Status = string(Active)
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertPatient(ctx, &row); err != nil {
			return mrnTaken(err)
		}
		e := p.Event(audit.PatientCreated, "patient", id)
		e.PatientID = id
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return Record{ID: id, OrgID: orgID, Fields: f, Status: Active, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}, nil
}

// mrnTaken says a unique violation as the MRN being taken.
func mrnTaken(err error) error {
	if ward.ErrorCode(err) == ward.CodeConflict {
		return ward.Wrap(ward.CodeConflict, err, "a patient record with this MRN exists")
	}
	return err
}

// mrnFree fails with a conflict when a record of the org other than except
// holds the MRN index.
func (s *Service) mrnFree(ctx context.Context, orgID, idx, except string) error {
	return s.store.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.PatientsByMRN(ctx, orgID, idx)
		for _, r := range rows {
			if r.ID != except {
				return ward.Errorf(ward.CodeConflict, "a patient record with this MRN exists")
			}
		}
		return err
	})
}

// Get reads a record by id; the read is audited before it is answered.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Record, error) {
	if err := p.Can(authz.PatientRead); err != nil {
		return Record{}, err
	}
	if err := validID(id); err != nil {
		return Record{}, err
	}
	var rec Record
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		row, err := tx.Patient(ctx, p.User.OrgID, id)
		if err != nil {
			return notFound(err)
		}
		if rec, err = s.openIn(ctx, tx, row); err != nil {
			return err
		}
		rec.Teams, err = tx.PatientTeams(ctx, p.User.OrgID, id)
		return err
	}); err != nil {
		return Record{}, err
	}
	if err := s.audited(ctx, p, []string{rec.ID}, "by id"); err != nil {
		return Record{}, err
	}
	return rec, nil
}

func notFound(err error) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeNotFound, "no such patient")
	}
	return err
}

// FindByMRN looks a record up by its MRN (normalised): none or one, each
// record returned audited.
func (s *Service) FindByMRN(ctx context.Context, p *access.Principal, mrn string) ([]Record, error) {
	if err := p.Can(authz.PatientRead); err != nil {
		return nil, err
	}
	mrn = strings.TrimSpace(mrn)
	if mrn == "" || len(mrn) > maxMRN*4 {
		return nil, ward.Errorf(ward.CodeInvalid, "mrn must be 1 to %d characters", maxMRN)
	}
	key, err := s.orgKey(ctx, p.User.OrgID)
	if err != nil {
		return nil, err
	}
	return s.lookUp(ctx, func(tx *store.Tx) ([]store.PatientRow, error) {
		return tx.PatientsByMRN(ctx, p.User.OrgID, mrnIndex(key, mrn))
	}, s.auditing(ctx, p, "look-up by mrn"))
}

// lookUp runs find in one read transaction and opens the rows it returns,
// reading in it the data keys the keyring has not cached. found, when not
// nil, is given the rows as soon as they are found and runs while they are
// opened; lookUp returns when both are done, with found's error if it
// failed. found is how a look-up is audited: its patient.read events are
// committed (an fsync) while the records are opened, so the look-up takes
// the longer of the two rather than their sum, and no record is returned
// before its event is durable. A record that then fails to open has been
// recorded as read: over-recorded, never under.
func (s *Service) lookUp(ctx context.Context, find func(*store.Tx) ([]store.PatientRow, error), found func([]store.PatientRow) error) ([]Record, error) {
	var recs []Record
	var recorded chan error
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		rows, err := find(tx)
		if err != nil {
			return err
		}
		if found != nil && len(rows) > 0 {
			recorded = make(chan error, 1)
			go func() { recorded <- found(rows) }()
		}
		recs, err = s.openAll(ctx, tx, rows)
		return err
	})
	if recorded != nil {
		if ferr := <-recorded; err == nil {
			err = ferr
		}
	}
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// FindByBirthDateAndName looks records up by date of birth and family name
// (normalised): at most maxMatches, each audited.
func (s *Service) FindByBirthDateAndName(ctx context.Context, p *access.Principal, birthDate, family string) ([]Record, error) {
	if err := p.Can(authz.PatientRead); err != nil {
		return nil, err
	}
	if _, err := time.Parse(time.DateOnly, birthDate); err != nil {
		return nil, ward.Errorf(ward.CodeInvalid, "birth_date must be a date YYYY-MM-DD")
	}
	family = strings.TrimSpace(family)
	if family == "" || len(family) > maxName*4 {
		return nil, ward.Errorf(ward.CodeInvalid, "family_name must be 1 to %d characters", maxName)
	}
	key, err := s.orgKey(ctx, p.User.OrgID)
	if err != nil {
		return nil, err
	}
	return s.lookUp(ctx, func(tx *store.Tx) ([]store.PatientRow, error) {
		return tx.PatientsByDOBName(ctx, p.User.OrgID, dobNameIndex(key, birthDate, family), maxMatches)
	}, s.auditing(ctx, p, "look-up by birth date and family name"))
}

// openAll opens rows read in tx, reading in tx the data keys the keyring
// has not cached.
func (s *Service) openAll(ctx context.Context, tx *store.Tx, rows []store.PatientRow) ([]Record, error) {
	recs := make([]Record, len(rows))
	for i, r := range rows {
		var err error
		if recs[i], err = s.openIn(ctx, tx, r); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// audited records one patient.read per record, durably, before the
// records are returned (how: the look-up that found them).
func (s *Service) audited(ctx context.Context, p *access.Principal, ids []string, how string) error {
	if len(ids) == 0 {
		return nil
	}
	events := make([]audit.Event, len(ids))
	for i, id := range ids {
		events[i] = p.Event(audit.PatientRecordRead, "patient", id)
		events[i].PatientID, events[i].Reason = id, how
	}
	if err := s.audit.Record(ctx, events...); err != nil {
		return fmt.Errorf("audit patient read: %w", err)
	}
	return nil
}

// auditing is lookUp's found for p's look-up how: the rows' reads audited.
func (s *Service) auditing(ctx context.Context, p *access.Principal, how string) func([]store.PatientRow) error {
	return func(rows []store.PatientRow) error {
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		return s.audited(ctx, p, ids, how)
	}
}

// Edit is a change to a record: the fields that are not nil.
type Edit struct {
	MRN, GivenName, FamilyName, BirthDate, Sex, Phone, Email, PreferredLanguage, Guardian *string
}

func (e Edit) apply(f *Fields) {
	for _, c := range []struct {
		from *string
		to   *string
	}{{e.MRN, &f.MRN}, {e.GivenName, &f.GivenName}, {e.FamilyName, &f.FamilyName}, {e.BirthDate, &f.BirthDate},
		{e.Sex, &f.Sex}, {e.Phone, &f.Phone}, {e.Email, &f.Email}, {e.PreferredLanguage, &f.PreferredLanguage},
		{e.Guardian, &f.Guardian}} {
		if c.from != nil {
			*c.to = *c.from
		}
	}
}

// Update edits an active record and returns it. The audit event names the
// changed fields, never their values; a change of nothing changes nothing.
// A record merged into another is CodePatientMerged: edit the survivor.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, e Edit) (Record, error) {
	if err := p.Can(authz.PatientUpdate); err != nil {
		return Record{}, err
	}
	if err := validID(id); err != nil {
		return Record{}, err
	}
	var old store.PatientRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		old, err = tx.Patient(ctx, p.User.OrgID, id)
		return err
	}); err != nil {
		return Record{}, notFound(err)
	}
	rec, err := s.open(ctx, old)
	if err != nil {
		return Record{}, err
	}
	if rec.Status != Active {
		return Record{}, ward.Errorf(ward.CodeConflict, "the patient record is deactivated")
	}
	if rec.Erased {
		return Record{}, ward.Errorf(ward.CodeConflict, "the patient record was erased")
	}
	if old.MergedInto != "" {
		return Record{}, mergedInto(old.MergedInto)
	}
	f := rec.Fields
	e.apply(&f)
	if err := f.normalize(s.now()); err != nil {
		return Record{}, err
	}
	names := changed(rec.Fields, f)
	if len(names) == 0 {
		return rec, nil
	}
	row, err := s.row(ctx, p.User.OrgID, id, f)
	if err != nil {
		return Record{}, err
	}
	if row.MRNIndex != old.MRNIndex {
		if err := s.mrnFree(ctx, p.User.OrgID, row.MRNIndex, id); err != nil {
			return Record{}, err
		}
	}
	row.UpdatedAt = old.UpdatedAt
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := s.NotMerged(ctx, tx, p.User.OrgID, id); err != nil { // merged meanwhile
			return err
		}
		if err := tx.UpdatePatient(ctx, &row); err != nil {
			return mrnTaken(err)
		}
		ev := p.Event(audit.PatientUpdated, "patient", id)
		ev.PatientID, ev.Reason = id, "fields: "+strings.Join(names, ", ")
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return Record{}, err
	}
	rec.Fields, rec.UpdatedAt = f, row.UpdatedAt
	return rec, nil
}

// Deactivate marks a record deactivated. It answers no PHI, so an admin
// may do it by id; deactivating a deactivated record changes nothing.
func (s *Service) Deactivate(ctx context.Context, p *access.Principal, id string) error {
	if err := p.Can(authz.PatientDeactivate); err != nil {
		return err
	}
	if err := validID(id); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		st, err := tx.PatientStatus(ctx, p.User.OrgID, id)
		if err != nil {
			return notFound(err)
		}
		if Status(st) == Deactivated {
			return nil
		}
		if err := tx.SetPatientStatus(ctx, p.User.OrgID, id, string(Deactivated)); err != nil {
			return err
		}
		ev := p.Event(audit.PatientDeactivated, "patient", id)
		ev.PatientID = id
		return audit.Append(ctx, tx, ev)
	})
}

// IsActivePatient reports whether id names an active record of the org. It
// reads no PHI.
func (s *Service) IsActivePatient(ctx context.Context, orgID, id string) (ok bool, err error) {
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		ok, err = s.ActiveRecord(ctx, tx, orgID, id)
		return err
	})
	return ok, err
}

// ActiveRecord is IsActivePatient in tx: internal/app asks it (as its
// PatientRecords) whether a conversation's patient_id names a record. A
// record merged into another is CodePatientMerged: a new conversation is
// tagged with the survivor.
func (s *Service) ActiveRecord(ctx context.Context, tx *store.Tx, orgID, id string) (bool, error) {
	if validID(id) != nil {
		return false, nil
	}
	st, into, err := tx.PatientState(ctx, orgID, id)
	switch {
	case ward.ErrorCode(err) == ward.CodeNotFound:
		return false, nil
	case err != nil:
		return false, err
	case into != "":
		return false, mergedInto(into)
	}
	return Status(st) == Active, nil
}

// Contact opens the name and email of a record of the org, for ward itself
// (an invitation mailed to the patient, the account it makes): it answers
// no caller, so it is not a patient.read; the invitation is audited. No
// such record is CodeNotFound; a shredded one answers no email.
func (s *Service) Contact(ctx context.Context, orgID, id string) (name, email string, active bool, err error) {
	if err := validID(id); err != nil {
		return "", "", false, err
	}
	var row store.PatientRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.Patient(ctx, orgID, id)
		return err
	}); err != nil {
		return "", "", false, notFound(err)
	}
	rec, err := s.open(ctx, row)
	if err != nil {
		return "", "", false, err
	}
	name = strings.TrimSpace(rec.Fields.GivenName + " " + rec.Fields.FamilyName)
	return name, rec.Fields.Email, rec.Status == Active && !rec.Erased, nil
}
