package incidents

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// ReadActions are the audit actions that read a patient's PHI: the ones
// the affected patients are computed from.
var ReadActions = []audit.Action{audit.PatientRecordRead, audit.ConversationRead, audit.MessageRead, audit.MessageDelivered,
	audit.AttachmentDownloaded, audit.ComplianceReviewRead, audit.BreakGlassRead}

// Affected is one patient an incident affects.
type Affected struct {
	PatientID string   `json:"patient_id"`
	Source    string   `json:"source"` // audit: computed from the audit trail; alert: from an alert's evidence; manual: added by hand
	Removed   bool     `json:"removed"`
	State     string   `json:"state"` // the state of residence (two letters), "" unknown
	Changes   []Change `json:"changes"`
}

// Change is a hand edit of an affected patient, with its reason.
type Change struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Op     string    `json:"op"` // added | removed | state
	Reason string    `json:"reason"`
}

// info is the sealed part of an affected patient.
type info struct {
	State   string   `json:"state,omitempty"`
	Changes []Change `json:"changes,omitempty"`
}

func (s *Service) openInfo(ctx context.Context, tx *store.Tx, orgID, incidentID string, p store.IncidentPatient) (info, error) {
	var in info
	if p.InfoSealed == nil {
		return in, nil
	}
	b, err := s.keys.OpenIn(ctx, tx, ref(orgID, incidentID, "patient:"+p.PatientID), p.InfoSealed)
	if err != nil {
		return in, err
	}
	return in, json.Unmarshal(b, &in)
}

// affected opens an incident's patients.
func (s *Service) affected(ctx context.Context, tx *store.Tx, r store.IncidentRow) ([]Affected, error) {
	rows, err := tx.IncidentPatients(ctx, r.OrgID, r.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Affected, 0, len(rows))
	for _, p := range rows {
		in, err := s.openInfo(ctx, tx, r.OrgID, r.ID, p)
		if err != nil {
			return nil, err
		}
		if in.Changes == nil {
			in.Changes = []Change{}
		}
		out = append(out, Affected{PatientID: p.PatientID, Source: p.Source, Removed: p.Removed, State: in.State, Changes: in.Changes})
	}
	return out, nil
}

// Compute adds to an open incident the patient records whose PHI its
// users or devices read in its window, by the audit trail (ReadActions).
// A patient removed by hand stays removed. It answers the incident's
// patients; audited with the counts.
func (s *Service) Compute(ctx context.Context, p *access.Principal, id string) ([]Affected, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return nil, err
	}
	var out []Affected
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := openRow(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		if r.WindowFrom.IsZero() || len(r.UserIDs)+len(r.DeviceIDs) == 0 {
			return invalid("set the incident's window and its users or devices first")
		}
		acts := make([]string, len(ReadActions))
		for i, a := range ReadActions {
			acts[i] = string(a)
		}
		ids, err := tx.PatientsRead(ctx, store.AccessQuery{OrgID: r.OrgID, UserIDs: r.UserIDs, DeviceIDs: r.DeviceIDs,
			From: r.WindowFrom, To: r.WindowTo, Actions: acts})
		if err != nil {
			return err
		}
		have, err := tx.IncidentPatients(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, h := range have {
			known[h.PatientID] = true
		}
		added := 0
		for _, pid := range ids {
			if known[pid] {
				continue
			}
			if err := tx.PutIncidentPatient(ctx, r.OrgID, r.ID, store.IncidentPatient{PatientID: pid, Source: "audit"}); err != nil {
				return err
			}
			added++
		}
		if err := tx.TouchIncident(ctx, r.OrgID, r.ID); err != nil {
			return err
		}
		e := p.Event(audit.IncidentPatientsComputed, "incident", r.ID)
		e.Reason = fmt.Sprintf("window %s to %s; %d users, %d devices; %d patients read, %d new", r.WindowFrom.Format(time.RFC3339),
			r.WindowTo.Format(time.RFC3339), len(r.UserIDs), len(r.DeviceIDs), len(ids), added)
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		out, err = s.affected(ctx, tx, r)
		return err
	})
	return out, err
}

// PatientEdit adds a patient to an incident (or sets their state), or
// removes one, with a reason.
type PatientEdit struct {
	PatientID string
	State     string // with an add: the state of residence; "" keeps it
	Reason    string
	Remove    bool
}

// normalState checks a state or jurisdiction code: two letters (US
// postal code), upper-cased.
func normalState(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return "", invalid("state must be a two-letter postal code")
	}
	return s, nil
}

// EditPatient adds (or sets the state of) or removes one patient of an
// open incident, with a reason (CodeReasonRequired without one). The
// reason's text is sealed with the patient's entry; the audit event names
// the patient and the operation.
func (s *Service) EditPatient(ctx context.Context, p *access.Principal, id string, ed PatientEdit) (Affected, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Affected{}, err
	}
	ed.Reason = strings.TrimSpace(ed.Reason)
	if ed.Reason == "" {
		return Affected{}, ward.Errorf(ward.CodeReasonRequired, "say why the patient is added or removed")
	}
	if err := checkText("reason", ed.Reason, 1000); err != nil {
		return Affected{}, err
	}
	if ed.PatientID == "" || len(ed.PatientID) > 64 || !utf8.ValidString(ed.PatientID) {
		return Affected{}, ward.Errorf(ward.CodeNotFound, "no such patient")
	}
	state, err := normalState(ed.State)
	if err != nil {
		return Affected{}, err
	}
	var cur store.IncidentPatient
	var old info
	var r store.IncidentRow
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		if r, err = openRow(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		if _, err := tx.Patient(ctx, p.User.OrgID, ed.PatientID); err != nil {
			return err
		}
		cur = store.IncidentPatient{PatientID: ed.PatientID, Source: "manual"}
		rows, err := tx.IncidentPatients(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		for _, x := range rows {
			if x.PatientID == ed.PatientID {
				cur = x
			}
		}
		old, err = s.openInfo(ctx, tx, r.OrgID, r.ID, cur)
		return err
	}); err != nil {
		return Affected{}, err
	}
	op := "added"
	action := audit.IncidentPatientAdded
	switch {
	case ed.Remove:
		op, action = "removed", audit.IncidentPatientRemoved
		cur.Removed = true
	case !cur.UpdatedAt.IsZero() && !cur.Removed: // already affected: the state changes
		op = "state"
	default:
		cur.Removed = false
	}
	if state != "" {
		old.State = state
	}
	old.Changes = append(old.Changes, Change{At: s.now().UTC(), By: p.User.ID, Op: op, Reason: ed.Reason})
	b, _ := json.Marshal(old)
	prev := cur.InfoSealed
	if cur.InfoSealed, err = s.keys.Seal(ctx, ref(r.OrgID, r.ID, "patient:"+ed.PatientID), b); err != nil {
		return Affected{}, err
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := openRow(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		rows, err := tx.IncidentPatients(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		for _, x := range rows {
			if x.PatientID == ed.PatientID && !bytes.Equal(x.InfoSealed, prev) {
				return ward.Errorf(ward.CodeConflict, "the patient's entry changed meanwhile: reload it")
			}
		}
		if err := tx.PutIncidentPatient(ctx, r.OrgID, r.ID, cur); err != nil {
			return err
		}
		if err := tx.TouchIncident(ctx, r.OrgID, r.ID); err != nil {
			return err
		}
		e := p.Event(action, "incident", r.ID)
		e.PatientID = ed.PatientID
		e.Reason = op
		if state != "" {
			e.Reason += "; state set"
		}
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Affected{}, err
	}
	return Affected{PatientID: cur.PatientID, Source: cur.Source, Removed: cur.Removed, State: old.State, Changes: old.Changes}, nil
}
