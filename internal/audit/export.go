package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// ExportColumns is the CSV header and the JSON key order of an export. The
// order is stable: new columns are only ever added at the end.
func ExportColumns() []string {
	return []string{"seq", "time", "org_id", "actor_user_id", "actor_role", "actor_device_id", "actor_ip",
		"action", "resource_type", "resource_id", "patient_id", "outcome", "reason", "hash", "mac"}
}

// exportRecord is one exported event; its field order is ExportColumns.
type exportRecord struct {
	Seq           int64  `json:"seq"` // 0: not sealed yet
	Time          string `json:"time"`
	OrgID         string `json:"org_id"`
	ActorUserID   string `json:"actor_user_id"`
	ActorRole     string `json:"actor_role"`
	ActorDeviceID string `json:"actor_device_id"`
	ActorIP       string `json:"actor_ip"`
	Action        string `json:"action"`
	ResourceType  string `json:"resource_type"`
	ResourceID    string `json:"resource_id"`
	PatientID     string `json:"patient_id"`
	Outcome       string `json:"outcome"`
	Reason        string `json:"reason"`
	Hash          string `json:"hash"` // hex; empty when not sealed
	MAC           string `json:"mac"`  // hex; empty for events from before MACs
}

func (x *exportRecord) csv() []string {
	seq := ""
	if x.Seq > 0 {
		seq = strconv.FormatInt(x.Seq, 10)
	}
	row := []string{seq, x.Time, x.OrgID, x.ActorUserID, x.ActorRole, x.ActorDeviceID, x.ActorIP,
		x.Action, x.ResourceType, x.ResourceID, x.PatientID, x.Outcome, x.Reason, x.Hash, x.MAC}
	for i := range row {
		row[i] = spreadsheetSafe(row[i])
	}
	return row
}

// spreadsheetSafe defuses a CSV cell that a spreadsheet would run as a
// formula (CSV injection: "=HYPERLINK(…)" in a reason or an id a user
// chose): a cell starting with = + - @, a tab or a carriage return gets a
// leading apostrophe, which spreadsheets show as text. The JSONL export
// keeps every value exactly as recorded.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// ProgressEvery is how many events Export writes between progress calls.
const ProgressEvery = 10000

// Export writes every event (sealed or not) with from <= time < to, in
// insertion order, as "jsonl" (one JSON object a line) or "csv" (a header
// line, then ExportColumns). progress, when set, gets the running count
// every ProgressEvery events and once at the end. It returns the count.
func Export(ctx context.Context, st *store.Store, from, to time.Time, format string, w io.Writer, progress func(n int)) (int, error) {
	return ExportFiltered(ctx, st, from, to, format, ExportFilter{}, w, progress)
}

// ExportFilter narrows an export. Empty fields match everything: the zero
// value exports every org's events (the CLI); the API always sets OrgID.
type ExportFilter struct {
	OrgID     string // only this org's events
	UserID    string // events whose actor, or whose resource, is this user
	PatientID string // events that touched this patient
	Action    Action
}

// ExportFiltered is Export of the events f selects. Nothing is written
// before the format and the time range are checked.
func ExportFiltered(ctx context.Context, st *store.Store, from, to time.Time, format string, f ExportFilter, w io.Writer, progress func(n int)) (int, error) {
	var write func(*exportRecord) error
	bw := bufio.NewWriterSize(w, 64<<10)
	var cw *csv.Writer
	switch format {
	case "jsonl":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		write = func(x *exportRecord) error { return enc.Encode(x) }
	case "csv":
		cw = csv.NewWriter(bw)
		if err := cw.Write(ExportColumns()); err != nil {
			return 0, err
		}
		write = func(x *exportRecord) error { return cw.Write(x.csv()) }
	default:
		return 0, ward.Errorf(ward.CodeInvalid, "export format %q: want jsonl or csv", format)
	}
	if !from.Before(to) {
		return 0, ward.Errorf(ward.CodeInvalid, "export: --from must be before --to")
	}
	n := 0
	var after int64
	const page = 5000
	for {
		got := 0
		err := st.Read(ctx, func(tx *store.Tx) error {
			q := store.AuditQuery{OrgID: f.OrgID, UserID: f.UserID, PatientID: f.PatientID, Action: string(f.Action),
				From: from, To: to, AfterID: after, Limit: page}
			return tx.AuditRows(ctx, q, func(r *store.AuditRow) error {
				got++
				after = r.ID
				x := exportRecord{
					Seq: r.Seq, Time: r.At.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), OrgID: r.OrgID,
					ActorUserID: r.ActorUserID, ActorRole: r.ActorRole, ActorDeviceID: r.ActorDeviceID, ActorIP: r.ActorIP,
					Action: r.Action, ResourceType: r.ResourceType, ResourceID: r.ResourceID, PatientID: r.PatientID,
					Outcome: r.Outcome, Reason: r.Reason, Hash: hex.EncodeToString(r.Hash), MAC: hex.EncodeToString(r.MAC),
				}
				if err := write(&x); err != nil {
					return err
				}
				n++
				if progress != nil && n%ProgressEvery == 0 {
					progress(n)
				}
				return nil
			})
		})
		if err != nil {
			return n, fmt.Errorf("audit export: %w", err)
		}
		if got < page {
			break
		}
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	if progress != nil {
		progress(n)
	}
	return n, nil
}
