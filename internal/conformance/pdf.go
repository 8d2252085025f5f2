package conformance

import (
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"

	"github.com/wardhealth/ward/internal/pdfdoc"
)

var colours = map[Status][3]int{Pass: {10, 120, 40}, Warn: {160, 105, 0}, Fail: {180, 20, 10}}

// PDF writes r as a PDF: a summary page, then one page per section, each
// check with its paragraph, verdict (coloured), evidence and reason. Its
// dates are r's, so the same report makes the same bytes; compress false
// leaves the text readable in the file (tests look for it).
func (r *Report) PDF(w io.Writer, compress bool) error {
	pdf, tr := pdfdoc.New(Title, r.MadeAt, compress, r.OrgName+" - "+r.MadeAt.Format("2006-01-02 15:04 UTC"), pdfdoc.Grey)
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 9, Title, "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 6, tr(fmt.Sprintf("%s - made %s by ward %s", r.OrgName, r.MadeAt.Format("2006-01-02 15:04 UTC"), r.Version)), "", "L", false)
	pdf.MultiCell(0, 6, "45 CFR 164.312 technical safeguards (a) to (e), and 164.308 and 164.316 items.", "", "L", false)
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 12)
	pdf.MultiCell(0, 7, fmt.Sprintf("%d pass, %d warn, %d fail", r.Pass, r.Warn, r.Fail), "", "L", false)
	pdf.Ln(2)
	pdf.SetFont("Helvetica", "", 10)
	for _, s := range r.Sections {
		for _, it := range s.Items {
			status(pdf, it.Status)
			pdf.SetFont("Helvetica", "", 10)
			pdf.MultiCell(0, 6, tr(it.ID+"  "+it.Title), "", "L", false)
		}
	}
	for _, s := range r.Sections {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "B", 14)
		pdf.MultiCell(0, 8, tr(s.Title), "", "L", false)
		pdf.Ln(2)
		for _, it := range s.Items {
			pdf.SetFont("Helvetica", "B", 11)
			pdf.MultiCell(0, 6, tr(it.ID+"  "+it.Title), "", "L", false)
			status(pdf, it.Status)
			pdf.SetFont("Helvetica", "", 10)
			pdf.MultiCell(0, 6, tr(it.Reason), "", "L", false)
			pdf.SetFont("Helvetica", "I", 9)
			pdf.MultiCell(0, 5, tr("Evidence: "+it.Evidence), "", "L", false)
			pdf.Ln(3)
		}
	}
	return pdf.Output(w)
}

// status writes a verdict as a coloured word at the start of a line.
func status(pdf *fpdf.Fpdf, s Status) {
	c := colours[s]
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetTextColor(c[0], c[1], c[2])
	pdf.CellFormat(14, 6, string(s), "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}
