package pdfdoc

import (
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Grey is the footer colour of the conformance report.
var Grey = [3]int{90, 90, 90}

// Black is the default text colour.
var Black = [3]int{0, 0, 0}

// New starts an A4 document (millimetres) titled title and dated at, on
// its first page, with footer, then "- page N of M", at the foot of every
// page in colour. compress false leaves the page streams readable (tests
// look for text in them). tr translates UTF-8 to the core fonts' cp1252.
func New(title string, at time.Time, compress bool, footer string, colour [3]int) (pdf *fpdf.Fpdf, tr func(string) string) {
	pdf = fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetTitle(title, true)
	pdf.SetAutoPageBreak(true, 15)
	tr = pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AliasNbPages("")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "I", 8)
		if colour != Black {
			pdf.SetTextColor(colour[0], colour[1], colour[2])
		}
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s - page %d of {nb}", footer, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	return pdf, tr
}
