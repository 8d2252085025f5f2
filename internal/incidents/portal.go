package incidents

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Portal is what HHS's breach portal asks of a covered entity about one
// breach (ocrportal.hhs.gov: breach notification), from the incident.
type Portal struct {
	CoveredEntity       string   `json:"covered_entity"`
	EntityType          string   `json:"entity_type"`
	BreachStart         string   `json:"breach_start"`
	BreachEnd           string   `json:"breach_end"`
	DiscoveredOn        string   `json:"discovered_on"`
	Affected            int      `json:"affected"`
	BreachType          string   `json:"breach_type"`
	Locations           []string `json:"locations"`
	PHITypes            []string `json:"phi_types"`
	Description         string   `json:"description"`
	Safeguards          string   `json:"safeguards"`
	IndividualNoticeDue string   `json:"individual_notice_due"`
	MediaNotice         bool     `json:"media_notice"`
	MediaStates         []string `json:"media_states"`
	ActionsTaken        string   `json:"actions_taken"`
	Outcome             string   `json:"outcome"`
}

// portal fills the portal's fields of incident r and its notice.
func (s *Service) portal(ctx context.Context, tx *store.Tx, entity string, r store.IncidentRow) (Portal, Notice, error) {
	d, err := s.openDetails(ctx, tx, r)
	if err != nil {
		return Portal{}, Notice{}, err
	}
	ps, err := s.affected(ctx, tx, r)
	if err != nil {
		return Portal{}, Notice{}, err
	}
	n := notice(r, ps)
	orEmpty := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	return Portal{CoveredEntity: entity, EntityType: "healthcare_provider", BreachStart: d.BreachStart, BreachEnd: d.BreachEnd,
		DiscoveredOn: r.DiscoveredAt.Format(time.DateOnly), Affected: n.Affected, BreachType: d.BreachType,
		Locations: orEmpty(d.Locations), PHITypes: orEmpty(d.PHITypes), Description: d.WhatHappened, Safeguards: d.Safeguards,
		IndividualNoticeDue: r.DeadlineAt.Format(time.DateOnly), MediaNotice: n.Media, MediaStates: n.MediaStates,
		ActionsTaken: d.ActionsTaken, Outcome: r.Outcome}, n, nil
}

// Export reads the HHS breach portal's fields of an incident (closed ones
// too). Audited (incident.exported, reason the format) before the answer.
func (s *Service) Export(ctx context.Context, p *access.Principal, id, format string) (Portal, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return Portal{}, err
	}
	if format != "json" && format != "csv" {
		return Portal{}, invalid("format must be json or csv")
	}
	var pt Portal
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := incidentRow(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		org, err := tx.OrgByID(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		if pt, _, err = s.portal(ctx, tx, org.Name, r); err != nil {
			return err
		}
		e := p.Event(audit.IncidentExported, "incident", r.ID)
		e.Reason = "HHS breach portal fields, " + format
		return audit.Append(ctx, tx, e)
	})
	return pt, err
}

// PortalHeader is the CSV header of WriteCSV.
var PortalHeader = []string{"covered_entity", "entity_type", "breach_start", "breach_end", "discovered_on", "affected", "breach_type",
	"locations", "phi_types", "description", "safeguards", "individual_notice_due", "media_notice", "media_states", "actions_taken", "outcome"}

// WriteCSV writes the portal's fields of breaches as CSV, one a row, lists
// joined by "; ". A cell that starts like a formula is prefixed with ' so
// a spreadsheet does not run it.
func WriteCSV(w io.Writer, ps []Portal) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(PortalHeader); err != nil {
		return err
	}
	for _, p := range ps {
		row := []string{p.CoveredEntity, p.EntityType, p.BreachStart, p.BreachEnd, p.DiscoveredOn, strconv.Itoa(p.Affected), p.BreachType,
			strings.Join(p.Locations, "; "), strings.Join(p.PHITypes, "; "), p.Description, p.Safeguards, p.IndividualNoticeDue,
			strconv.FormatBool(p.MediaNotice), strings.Join(p.MediaStates, "; "), p.ActionsTaken, p.Outcome}
		for i, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				row[i] = "'" + c
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
