package accounting

import (
	"fmt"
	"io"
	"time"

	"github.com/wardhealth/ward/internal/pdfdoc"
)

// Title heads every accounting's PDF.
const Title = "Accounting of disclosures (45 CFR 164.528)"

// WritePDF writes a as a PDF: a header naming the org, the patient, the
// period, the request and its deadline, then one block per entry (when,
// who, what, why), oldest first. The PDF's dates are a's, so the same
// accounting makes the same bytes. compress false leaves the page streams
// readable (tests look for text in them).
func WritePDF(w io.Writer, a *Accounting, compress bool) error {
	pdf, tr := pdfdoc.New(Title, a.ProducedAt, compress, a.OrgName+" - request "+a.RequestID, pdfdoc.Black)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 8, Title, "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	patient := "record " + a.PatientID
	if a.MRN != "" {
		patient = "MRN " + a.MRN + " (" + patient + ")"
	}
	for _, l := range [][2]string{
		{"Organization", a.OrgName},
		{"Patient", patient},
		{"Period", day(a.From) + " to " + day(a.To) + " (end excluded)"},
		{"Request", a.RequestID + ", received " + day(a.RequestedAt) + ", due " + day(a.Deadline)},
		{"Produced", a.ProducedAt.UTC().Format("2006-01-02 15:04 UTC")},
		{"Entries", fmt.Sprintf("%d", len(a.Entries))},
	} {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(30, 6, l[0], "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 6, tr(l[1]), "", "L", false)
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 5, "Every access to and disclosure of the patient's protected health information that the audit trail "+
		"records in the period: who, when, what and why. Times are UTC.", "", "L", false)
	pdf.Ln(2)
	if len(a.Entries) == 0 {
		pdf.SetFont("Helvetica", "I", 10)
		pdf.MultiCell(0, 6, "No access or disclosure is recorded in this period.", "", "L", false)
	}
	for i, e := range a.Entries {
		if i%2 == 0 {
			pdf.SetFillColor(240, 243, 247)
		} else {
			pdf.SetFillColor(255, 255, 255)
		}
		pdf.SetFont("Helvetica", "B", 9)
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s   %s (%s)", e.Time.UTC().Format("2006-01-02 15:04:05"), e.Who, e.Role)), "", "L", true)
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s [%s] - %s", e.What, e.Kind, e.Resource)), "", "L", true)
		if e.Why != "" {
			pdf.MultiCell(0, 5, tr("Why: "+e.Why), "", "L", true)
		}
	}
	return pdf.Output(w)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
