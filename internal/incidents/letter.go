package incidents

import (
	"bytes"
	"context"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// The headings of a notification letter: the content §164.404(c)(1)
// requires, in plain language.
const (
	HeadingWhatHappened = "What happened"                 // (A) what happened, the date of the breach and of its discovery
	HeadingInformation  = "What information was involved" // (B) the types of unsecured PHI involved
	HeadingSteps        = "What you can do"               // (C) steps individuals should take to protect themselves
	HeadingWhatWeDo     = "What we are doing"             // (D) investigating, mitigating, protecting against further breaches
	HeadingContact      = "For more information"          // (E) contact procedures
)

// letterContent is what a letter says.
type letterContent struct {
	Clinic, Name string
	Date         time.Time
	Discovered   time.Time
	D            Details
}

// renderLetter writes a notification letter as PDF.
func renderLetter(c letterContent, compress bool) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCompression(compress)
	pdf.SetTitle("Notice of a breach of your health information", true)
	pdf.SetCreator("ward", true)
	pdf.SetMargins(22, 20, 22)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("") // UTF-8 to the core fonts' cp1252
	para := func(s string) {
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(0, 5.5, tr(s), "", "L", false)
		pdf.Ln(2)
	}
	heading := func(s string) {
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.MultiCell(0, 6, tr(s), "", "L", false)
		pdf.Ln(1)
	}
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, tr(c.Clinic), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, c.Date.Format("January 2, 2006"), "", "L", false)
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "B", 13)
	pdf.MultiCell(0, 7, "Notice of a breach of your health information", "", "L", false)
	pdf.Ln(3)
	name := c.Name
	if name == "" {
		name = "patient"
	}
	para("Dear " + name + ",")
	para("We are writing to tell you about an incident that involved some of your health information, what we are doing about it, and what you can do.")

	heading(HeadingWhatHappened)
	happened := orDash(c.D.WhatHappened)
	switch {
	case c.D.BreachStart != "" && c.D.BreachEnd != "" && c.D.BreachEnd != c.D.BreachStart:
		happened += "\nThe breach happened between " + longDate(c.D.BreachStart) + " and " + longDate(c.D.BreachEnd) + "."
	case c.D.BreachStart != "":
		happened += "\nThe breach happened on " + longDate(c.D.BreachStart) + "."
	default:
		happened += "\nThe date of the breach is not known."
	}
	happened += " We discovered it on " + c.Discovered.Format("January 2, 2006") + "."
	para(happened)

	heading(HeadingInformation)
	if len(c.D.PHITypes) > 0 {
		para("The information involved was: " + strings.Join(c.D.PHITypes, ", ") + ".")
	} else {
		para("-")
	}
	heading(HeadingSteps)
	para(orDash(c.D.Steps))
	heading(HeadingWhatWeDo)
	para(orDash(c.D.ActionsTaken))
	heading(HeadingContact)
	para(orDash(c.D.Contact))
	pdf.Ln(4)
	para("Sincerely,\n" + c.Clinic)
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, ward.Wrap(ward.CodeInternal, err, "the letter could not be rendered")
	}
	return b.Bytes(), nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("January 2, 2006")
}

// Letter renders the notification letter (PDF) of one affected patient of
// an incident (closed ones too): the patient's name is opened for it, so
// it is audited as incident.letter with the patient, durably, before the
// letter is answered. A patient who is not affected is not_found.
func (s *Service) Letter(ctx context.Context, p *access.Principal, id, patientID string) ([]byte, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return nil, err
	}
	var c letterContent
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		r, err := incidentRow(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		ps, err := tx.IncidentPatients(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		found := false
		for _, x := range ps {
			found = found || (x.PatientID == patientID && !x.Removed)
		}
		if !found {
			return ward.Errorf(ward.CodeNotFound, "the patient is not affected by the incident")
		}
		org, err := tx.OrgByID(ctx, r.OrgID)
		if err != nil {
			return err
		}
		c.Clinic, c.Discovered = org.Name, r.DiscoveredAt
		c.D, err = s.openDetails(ctx, tx, r)
		return err
	}); err != nil {
		return nil, err
	}
	if s.contacts != nil {
		name, _, _, err := s.contacts.Contact(ctx, p.User.OrgID, patientID)
		if err != nil {
			return nil, err
		}
		c.Name = name
	}
	c.Date = s.now().UTC()
	pdf, err := renderLetter(c, !s.plainPDF)
	if err != nil {
		return nil, err
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		e := p.Event(audit.IncidentLetter, "incident", id)
		e.PatientID = patientID
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return pdf, nil
}
