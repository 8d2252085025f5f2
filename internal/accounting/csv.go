package accounting

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// Columns are the CSV's columns, in this stable order (new ones only ever
// appended).
var Columns = []string{"time", "who", "role", "user_id", "what", "kind", "action", "resource", "why", "seq"}

// WriteCSV writes a's entries as CSV: a header line, then one line per
// entry, oldest first. A cell a spreadsheet would run as a formula gets a
// leading apostrophe (CSV injection).
func WriteCSV(w io.Writer, a *Accounting) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, e := range a.Entries {
		seq := ""
		if e.Seq > 0 {
			seq = strconv.FormatInt(e.Seq, 10)
		}
		row := []string{e.Time.UTC().Format(time.RFC3339), e.Who, e.Role, e.UserID, e.What, e.Kind, e.Action, e.Resource, e.Why, seq}
		for i := range row {
			row[i] = spreadsheetSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe defuses a cell starting with = + - @, a tab or a
// carriage return, as the audit export does.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
