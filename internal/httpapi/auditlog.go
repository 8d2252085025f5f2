package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
)

// complianceRoutes are the audit viewer, its export and the dashboard.
func (h *Handler) complianceRoutes() {
	h.route("GET /api/v1/audit", authz.AuditRead, h.searchAudit)
	h.route("GET /api/v1/audit/export", authz.AuditExport, h.exportAudit)
	h.route("GET /api/v1/stats", authz.StatsRead, h.stats)
}

// auditEventView is one event of GET /api/v1/audit.
type auditEventView struct {
	Seq           int64     `json:"seq"` // 0 until sealed
	ID            int64     `json:"id"`  // the row id: the paging cursor
	Time          time.Time `json:"time"`
	ActorUserID   string    `json:"actor_user_id"`
	ActorRole     string    `json:"actor_role"`
	ActorDeviceID string    `json:"actor_device_id"`
	ActorIP       string    `json:"actor_ip"`
	Action        string    `json:"action"`
	ResourceType  string    `json:"resource_type"`
	ResourceID    string    `json:"resource_id"`
	PatientID     string    `json:"patient_id"`
	Outcome       string    `json:"outcome"`
	Reason        string    `json:"reason"`
}

// auditFilter reads user, patient, action, from and to. A date (YYYY-MM-DD)
// as from is that day's start; as to, that day's end (the day is included).
func auditFilter(q url.Values) (app.AuditFilter, error) {
	f := app.AuditFilter{UserID: q.Get("user"), PatientID: q.Get("patient"), Action: audit.Action(q.Get("action"))}
	var err error
	if f.From, err = queryTime(q, "from", false); err != nil {
		return f, err
	}
	f.To, err = queryTime(q, "to", true)
	return f, err
}

// queryTime parses an RFC 3339 time or a YYYY-MM-DD date (UTC); absent is
// the zero time. endOfDay moves a bare date to the next day's midnight.
func queryTime(q url.Values, name string, endOfDay bool) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, ward.Errorf(ward.CodeInvalid, "%s must be an RFC 3339 time or a YYYY-MM-DD date", name)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func (h *Handler) searchAudit(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	limit := int64(app.DefaultAuditLimit)
	if r.URL.Query().Has("limit") {
		if limit, err = queryInt(r, "limit"); err != nil {
			return err
		}
		if limit < 1 || limit > app.MaxAuditLimit {
			return ward.Errorf(ward.CodeInvalid, "limit must be between 1 and %d", app.MaxAuditLimit)
		}
	}
	page, err := h.app.SearchAudit(r.Context(), p, app.AuditQuery{AuditFilter: f, Before: before, Limit: int(limit)})
	if err != nil {
		return err
	}
	events := make([]auditEventView, 0, len(page.Events))
	for _, e := range page.Events {
		events = append(events, auditEventView{Seq: e.Seq, ID: e.ID, Time: e.Time.UTC(),
			ActorUserID: e.Actor.UserID, ActorRole: e.Actor.Role, ActorDeviceID: e.Actor.DeviceID, ActorIP: e.Actor.IP,
			Action: string(e.Action), ResourceType: e.ResourceType, ResourceID: e.ResourceID, PatientID: e.PatientID,
			Outcome: string(e.Outcome), Reason: e.Reason})
	}
	next := ""
	if page.Next > 0 {
		next = strconv.FormatInt(page.Next, 10)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "next": next})
	return nil
}

// lazyDownload sets a download's headers and status on its first write, so
// that an error found before any byte is written can still be a problem.
type lazyDownload struct {
	w       http.ResponseWriter
	ctype   string
	name    string
	started bool
}

func (d *lazyDownload) start() {
	if d.started {
		return
	}
	d.started = true
	hdr := d.w.Header()
	hdr.Set("Content-Type", d.ctype)
	hdr.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	d.w.WriteHeader(http.StatusOK)
}

func (d *lazyDownload) Write(b []byte) (int, error) {
	d.start()
	return d.w.Write(b)
}

func (h *Handler) exportAudit(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	q := r.URL.Query()
	f, err := auditFilter(q)
	if err != nil {
		return err
	}
	x := app.AuditExport{AuditFilter: f, Format: q.Get("format")}
	if x.Format == "" {
		x.Format = app.ExportJSONL
	}
	if err := h.app.CheckAuditExport(p, x); err != nil {
		return err
	}
	ctype := "application/x-ndjson; charset=utf-8"
	if x.Format == app.ExportCSV {
		ctype = "text/csv; charset=utf-8"
	}
	// The file is named for the days it covers, to included.
	last := x.To.Add(-time.Microsecond)
	name := "ward-audit-" + x.From.UTC().Format("20060102") + "-" + last.UTC().Format("20060102") + "." + x.Format
	d := &lazyDownload{w: w, ctype: ctype, name: name}
	n, err := h.app.ExportAudit(r.Context(), p, x, d)
	if err != nil && !d.started {
		return err
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "audit export aborted", "written", n,
			"code", string(ward.ErrorCode(err)), "err", err.Error())
		panic(http.ErrAbortHandler) // a cut-off download, not a silently short file
	}
	d.start() // an empty JSONL export writes no byte
	return nil
}

// statsView is GET /api/v1/stats.
type statsView struct {
	Days               int              `json:"days"`
	MessagesPerDay     []dayCountView   `json:"messages_per_day"`
	FailedLoginsPerDay []dayCountView   `json:"failed_logins_per_day"`
	ActiveDevices      int64            `json:"active_devices"`
	DevicesByStatus    map[string]int64 `json:"devices_by_status"`
	UsersByRole        map[string]int64 `json:"users_by_role"`
	DisabledUsers      int64            `json:"disabled_users"`
}

type dayCountView struct {
	Day   string `json:"day"` // YYYY-MM-DD, UTC
	Count int64  `json:"count"`
}

func dayCounts(in []app.DayCount) []dayCountView {
	out := make([]dayCountView, 0, len(in))
	for _, d := range in {
		out = append(out, dayCountView{Day: d.Day.UTC().Format(time.DateOnly), Count: d.Count})
	}
	return out
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	days := int64(app.DefaultStatsDays)
	if r.URL.Query().Has("days") {
		var err error
		if days, err = queryInt(r, "days"); err != nil {
			return err
		}
		if days < 1 || days > app.MaxStatsDays {
			return ward.Errorf(ward.CodeInvalid, "days must be between 1 and %d", app.MaxStatsDays)
		}
	}
	s, err := h.app.Stats(r.Context(), p, int(days))
	if err != nil {
		return err
	}
	v := statsView{Days: s.Days, MessagesPerDay: dayCounts(s.MessagesPerDay), FailedLoginsPerDay: dayCounts(s.FailedLoginsPerDay),
		ActiveDevices: s.ActiveDevices, DisabledUsers: s.DisabledUsers,
		DevicesByStatus: map[string]int64{}, UsersByRole: map[string]int64{}}
	for k, n := range s.DevicesByStatus {
		v.DevicesByStatus[string(k)] = n
	}
	for k, n := range s.UsersByRole {
		v.UsersByRole[string(k)] = n
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
	return nil
}
