package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/reminders"
	"github.com/wardhealth/ward/internal/store"
)

// Mailer sends ward's PHI-free emails (internal/notify/mail).
type Mailer = reminders.Mailer

// Pusher pushes a PHI-free payload to the subscribed devices of users
// (internal/notify/push.Service.Notify).
type Pusher = reminders.Pusher

// Config is what a Monitor is built from; Mailer, Pusher, Broker, Logger
// and Now may be nil.
type Config struct {
	Store       *store.Store
	Keyring     *keyring.Keyring // seals a dismissal's reason
	Broker      realtime.Broker  // new alerts reach compliance officers' sockets through it
	Mailer      Mailer           // and their inboxes (PHI-free), linking to ConsoleLink
	Pusher      Pusher           // and their subscribed devices (PHI-free: a count)
	ConsoleLink string
	Logger      *slog.Logger
	Now         func() time.Time
	// Batch is how many audit events a round reads at a time (default 5000).
	Batch int
}

// Monitor evaluates the rules over the audit trail and serves the alerts.
type Monitor struct {
	cfg   Config
	mu    sync.Mutex // one evaluation at a time
	mails sync.WaitGroup

	started bool
	cursor  int64
	known   bool // the cursor is stored (false until the first round ever commits)
	eng     *engine
	open    map[string]*openAlert // org|family|subject: bursts that may still grow
	pols    map[string]ward.Policy
	cache   *lookupCache
}

// openAlert is an alert whose burst may still grow: its rows (one per org;
// several for sign-ins that name no org) and its evidence.
type openAlert struct {
	rows    []*store.AlertRow
	ev      Evidence
	rule    Rule
	lastAt  time.Time
	merge   time.Duration
	created bool // in this round: inserted, not updated
	dirty   bool
}

// New builds a Monitor.
func New(cfg Config) *Monitor {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 5000
	}
	return &Monitor{cfg: cfg}
}

// Wait waits for the alert emails under way (tests; shutdown).
func (m *Monitor) Wait() { m.mails.Wait() }

// Cursor is the last audit seq the monitor processed.
func (m *Monitor) Cursor(ctx context.Context) (seq int64, err error) {
	err = m.cfg.Store.Read(ctx, func(tx *store.Tx) error {
		seq, _, err = tx.MonitorCursor(ctx)
		return err
	})
	return seq, err
}

// Run processes the sealed audit events after the cursor, in seq order, a
// batch at a time, until none is left: alerts raised and extended, the
// cursor moved and the alert.raised events appended in one transaction
// per batch; new alerts are delivered after it commits. It returns how
// many alerts it raised. On an error the in-memory state is dropped and
// the next Run rebuilds it from the cursor.
func (m *Monitor) Run(ctx context.Context) (raised int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer func() {
		if err != nil {
			m.started = false
		}
	}()
	if err := m.loadPolicies(ctx); err != nil {
		return 0, err
	}
	if m.started {
		// Another node may have run meanwhile (the leader changed and
		// came back): its cursor wins, and the windows are rebuilt.
		var cur int64
		var known bool
		if err := m.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
			cur, known, err = tx.MonitorCursor(ctx)
			return err
		}); err != nil {
			return 0, err
		}
		m.started = known == m.known && cur == m.cursor
	}
	if !m.started {
		if err := m.start(ctx); err != nil {
			return 0, err
		}
	}
	m.cache.reset(ctx)
	for {
		n, created, err := m.round(ctx)
		raised += len(created)
		if err != nil {
			return raised, err
		}
		m.deliver(ctx, created)
		if n < m.cfg.Batch {
			return raised, nil
		}
	}
}

// loadPolicies reads every org's policy (orgs are few).
func (m *Monitor) loadPolicies(ctx context.Context) error {
	pols := map[string]ward.Policy{"": ward.DefaultPolicy()}
	err := m.cfg.Store.Read(ctx, func(tx *store.Tx) error {
		orgs, err := tx.ListOrgs(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if pols[o.ID], err = tx.Policy(ctx, o.ID); err != nil {
				return err
			}
		}
		return nil
	})
	m.pols = pols
	return err
}

// span is the longest window of any org's rules: how far back start reads.
func (m *Monitor) span() time.Duration {
	d := time.Hour // the off-hours, new-device and disabled-user bursts
	for org, p := range m.pols {
		mp := p.Monitor()
		if org == "" { // sign-ins that name no org: only the sign-in rules see them
			d = max(d, mp.SignInWindow)
			continue
		}
		d = max(d, mp.BulkWindow, mp.SignInWindow, mp.ExportWindow, p.GrantAccess(ward.GrantBreakGlass))
	}
	return d
}

// start reads the cursor and rebuilds the rules' windows from the events
// of the last span before it (replayed: nothing is raised), who is
// disabled, and the alerts still open. The first start ever begins at the
// last span of the trail, not at its beginning: history before it is not
// scanned.
func (m *Monitor) start(ctx context.Context) error {
	m.cache = newLookupCache(m)
	m.eng = newEngine(m.cache)
	m.open = map[string]*openAlert{}
	since := m.cfg.Now().Add(-m.span())
	var from int64
	var open []store.AlertRow
	var disabledNow []string
	err := m.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		if m.cursor, m.known, err = tx.MonitorCursor(ctx); err != nil {
			return err
		}
		if m.known && m.cursor > 0 { // the windows as they were at the cursor, however long ago
			last, err := tx.AuditRowBySeq(ctx, m.cursor)
			if err == nil {
				since = last.At.Add(-m.span())
			} else if ward.ErrorCode(err) != ward.CodeNotFound { // purged: the span before now
				return err
			}
		}
		if from, err = tx.FirstAuditSeqAtOrAfter(ctx, since); err != nil {
			return err
		}
		if !m.known {
			head, _, err := tx.AuditHead(ctx)
			if err != nil {
				return err
			}
			if m.cursor = head; from > 0 {
				m.cursor = from - 1
			}
			orgs, err := tx.ListOrgs(ctx)
			if err != nil {
				return err
			}
			for _, o := range orgs {
				users, err := tx.ListUsers(ctx, o.ID)
				if err != nil {
					return err
				}
				for _, u := range users {
					if u.Disabled {
						disabledNow = append(disabledNow, u.ID)
					}
				}
			}
		} else if disabledNow, err = tx.MonitorSeenUsers(ctx, "disabled"); err != nil {
			return err
		}
		open, err = tx.OpenAlerts(ctx, since)
		return err
	})
	if err != nil {
		return err
	}
	for _, id := range disabledNow {
		m.eng.disabled[id] = true
	}
	for i := range open {
		m.reopen(&open[i])
	}
	if !m.known && len(disabledNow) > 0 {
		// Users disabled within the span are disabled by an event the
		// evaluator is about to meet: until then, they are not.
		err := m.each(ctx, m.cursor, -1, func(r *store.AuditRow) error {
			if audit.Action(r.Action) == audit.UserDisabled {
				delete(m.eng.disabled, r.ResourceID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for id := range m.eng.disabled {
			m.cache.disabled(id, true)
		}
	}
	if from > 0 && from <= m.cursor {
		err := m.each(ctx, from-1, m.cursor, func(r *store.AuditRow) error {
			a := audit.Action(r.Action)
			if a == audit.UserDisabled || a == audit.UserEnabled { // the state at the cursor is known
				return nil
			}
			_, err := m.eng.observe(r, true, nil)
			return err
		})
		if err != nil {
			return err
		}
	}
	m.started = true
	return nil
}

// each calls fn for the sealed events the rules read (watched) after seq
// after, through seq to (-1: to the end), a batch per read transaction.
func (m *Monitor) each(ctx context.Context, after, to int64, fn func(*store.AuditRow) error) error {
	for {
		var rows []store.AuditRow
		err := m.cfg.Store.Read(ctx, func(tx *store.Tx) error {
			return tx.MonitorAuditRows(ctx, after, to, m.cfg.Batch, watched, func(r *store.AuditRow) error {
				rows = append(rows, *r)
				return nil
			})
		})
		if err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < m.cfg.Batch {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// reopen puts a stored alert back among the open ones.
func (m *Monitor) reopen(row *store.AlertRow) {
	f := finding{rule: Rule(row.Rule), org: row.OrgID, subject: row.Subject}
	o := &openAlert{rows: []*store.AlertRow{row}, rule: f.rule, lastAt: row.LastAt, merge: m.mergeFor(f.rule, row.OrgID)}
	if err := json.Unmarshal(row.Evidence, &o.ev); err != nil {
		return
	}
	m.open[row.OrgID+"|"+f.family()+"|"+row.Subject] = o
}

// mergeFor is how long after its last event an alert of rule takes more.
func (m *Monitor) mergeFor(rule Rule, org string) time.Duration {
	p := m.cache.policy(org)
	switch rule {
	case RuleBulkAccess, RuleOutsideTeam:
		return p.BulkWindow
	case RuleSignInBurst, RulePasswordSpray:
		return p.SignInWindow
	case RuleMassExport:
		return p.ExportWindow
	case RuleBreakGlass:
		return 0
	}
	return time.Hour
}

// round processes one batch: it returns how many events it read and the
// alerts it created (to deliver).
func (m *Monitor) round(ctx context.Context) (int, []*store.AlertRow, error) {
	var rows []store.AuditRow
	var head int64
	err := m.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		if head, _, err = tx.AuditHead(ctx); err != nil {
			return err
		}
		return tx.MonitorAuditRows(ctx, m.cursor, head, m.cfg.Batch, watched, func(r *store.AuditRow) error {
			rows = append(rows, *r)
			return nil
		})
	})
	if err != nil {
		return 0, nil, err
	}
	// The cursor passes every sealed event read up to: through the head when
	// this batch holds the last the rules read, else through its last row.
	last := head
	if len(rows) == m.cfg.Batch {
		last = rows[len(rows)-1].Seq
	}
	if len(rows) == 0 {
		if last <= m.cursor {
			return 0, nil, nil
		}
		if err := m.cfg.Store.Write(ctx, func(tx *store.Tx) error {
			return tx.AdvanceMonitorCursor(ctx, m.cursor, last, m.known)
		}); err != nil {
			return 0, nil, err
		}
		m.cursor, m.known = last, true
		return 0, nil, nil
	}
	var found []finding
	var touched []*openAlert // in the order first touched
	for i := range rows {
		found = found[:0]
		if found, err = m.eng.observe(&rows[i], false, found); err != nil {
			return 0, nil, err
		}
		for j := range found {
			if o := m.apply(&found[j]); !o.dirty {
				o.dirty = true
				touched = append(touched, o)
			}
		}
	}
	var created []*store.AlertRow
	seen := m.cache.takeSeen()
	err = m.cfg.Store.Write(ctx, func(tx *store.Tx) error {
		created = created[:0]
		for _, o := range touched {
			evidence := mustJSON(o.ev)
			for _, row := range o.rows {
				row.Evidence = evidence
				if o.created {
					if err := tx.CreateAlert(ctx, row); err != nil {
						return err
					}
					if err := audit.Append(ctx, tx, raisedEvent(row, &o.ev)); err != nil {
						return err
					}
					created = append(created, row)
				} else if err := tx.ExtendAlert(ctx, row); err != nil {
					return err
				}
			}
		}
		for _, s := range seen {
			var err error
			if s.remove {
				err = tx.DeleteMonitorSeen(ctx, s.org, s.user, s.kind)
			} else {
				err = tx.AddMonitorSeen(ctx, s.org, s.user, s.kind, s.value)
			}
			if err != nil {
				return err
			}
		}
		return tx.AdvanceMonitorCursor(ctx, m.cursor, last, m.known)
	})
	if err != nil {
		return 0, nil, err
	}
	for _, o := range touched {
		o.created, o.dirty = false, false
	}
	m.cursor, m.known = last, true
	m.expire(rows[len(rows)-1].At)
	return len(rows), created, nil
}

// apply merges finding f into its open alert, or opens a new one.
func (m *Monitor) apply(f *finding) *openAlert {
	key := f.org + "|" + f.family() + "|" + f.subject
	o := m.open[key]
	if o == nil && f.family() == string(RuleSignInBurst) {
		if o = m.signInPeer(f); o != nil {
			m.open[key] = o
		}
	}
	if strings.HasPrefix(f.subject, "account:") { // a burst on an account from an address already alerted joins it
		for _, a := range f.ev.Addresses {
			if ao := m.open[f.org+"|"+f.family()+"|address:"+a]; ao != nil && ao != o && !f.at.After(ao.lastAt.Add(ao.merge)) {
				o = ao
				m.open[key] = ao // the account's later events (a throttle's count names no address) join it too
				break
			}
		}
	}
	if o != nil && f.at.After(o.lastAt.Add(o.merge)) {
		o = nil // the burst ended: this is a new one
	}
	if o == nil {
		o = &openAlert{rule: f.rule, lastAt: f.at, merge: f.merge, created: true}
		now := m.cfg.Now().UTC()
		orgs := []string{f.org}
		if f.org == "" { // a sign-in naming no org: every org's compliance sees it
			orgs = orgs[:0]
			for id := range m.pols {
				if id != "" {
					orgs = append(orgs, id)
				}
			}
		}
		for _, org := range orgs {
			o.rows = append(o.rows, &store.AlertRow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: org, Rule: string(f.rule),
				Subject: f.subject, Severity: f.severity, Status: StatusNew, Summary: f.summary, FirstSeq: f.seq, LastSeq: f.seq,
				FirstAt: f.at, LastAt: f.at, RaisedAt: now, UpdatedAt: now})
		}
		m.open[key] = o
	}
	if f.rule == RulePasswordSpray && o.rule != RulePasswordSpray { // a burst turned spray
		o.rule = f.rule
		for _, row := range o.rows {
			row.Rule, row.Severity, row.Summary = string(f.rule), f.severity, f.summary
		}
	}
	if f.ev.Events == 0 {
		f.ev.addSeq(f.seq)
	}
	for _, c := range f.counts {
		o.ev.addAttempts(c.seq, c.n)
	}
	o.ev.merge(&f.ev)
	o.lastAt = maxTime(o.lastAt, f.at)
	for _, row := range o.rows {
		if len(o.ev.SeqRanges) > 0 {
			row.FirstSeq = min(row.FirstSeq, o.ev.SeqRanges[0][0])
		}
		if !f.first.IsZero() && f.first.Before(row.FirstAt) {
			row.FirstAt = f.first
		}
		row.LastSeq = max(row.LastSeq, f.seq)
		row.LastAt = o.lastAt
		if f.rule == RuleBulkAccess || f.rule == RuleOutsideTeam || f.rule == RuleOffHours {
			row.Summary = fmt.Sprintf("%s (%d patients)", f.summary, len(o.ev.PatientIDs))
		}
	}
	return o
}

// signInPeer is the open sign-in alert on f's subject of another org when
// f or it names no org: failures from one address on the accounts of an
// org and on emails of no account (a spray) are one burst, one alert.
func (m *Monitor) signInPeer(f *finding) *openAlert {
	suffix := "|" + f.family() + "|" + f.subject
	if f.org != "" {
		if o := m.open[suffix]; o != nil && !f.at.After(o.lastAt.Add(o.merge)) {
			return o
		}
		return nil
	}
	for k, o := range m.open {
		if strings.HasSuffix(k, suffix) && !f.at.After(o.lastAt.Add(o.merge)) {
			return o
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// expire forgets the open alerts whose bursts ended before now.
func (m *Monitor) expire(now time.Time) {
	for k, o := range m.open {
		if now.After(o.lastAt.Add(o.merge)) {
			delete(m.open, k)
		}
	}
}

// raisedEvent is the alert.raised audit event of row: ids and counts only.
func raisedEvent(row *store.AlertRow, ev *Evidence) audit.Event {
	return audit.Event{OrgID: row.OrgID, Actor: access.SystemActor(), Action: audit.AlertRaised, ResourceType: "alert",
		ResourceID: row.ID, Outcome: audit.Success,
		Reason: fmt.Sprintf("%s (%s): %s, seq %d to %d, %d events, %d users, %d patients", row.Rule, row.Severity,
			truncate(row.Subject, 80), row.FirstSeq, row.LastSeq, ev.Events, len(ev.UserIDs), len(ev.PatientIDs))}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
